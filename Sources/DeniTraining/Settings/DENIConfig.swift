import DeniCore

/// A length in steps or epochs.
public enum Span: Codable, Hashable, Sendable, CustomStringConvertible {
    case steps(Int)
    case epochs(Double)

    public func steps(perEpoch: Int) -> Int {
        switch self {
        case .steps(let n): return n
        case .epochs(let e):
            // Saturates instead of trapping (NaN gives 1); validation keeps spans within the maxima anyway.
            let steps = (e * Double(perEpoch)).rounded()
            return steps >= 1 ? (steps < 1e15 ? Int(steps) : 1_000_000_000_000_000) : 1
        }
    }

    /// The longest spans a setting accepts (a run's epochs are at most 1000).
    public static let maximumEpochs = 1000.0, maximumSteps = 100_000_000

    public var description: String {
        switch self {
        case .steps(let n): "\(n) steps"
        case .epochs(let e): e == 1 ? "1 epoch" : "\(FieldText.format(e)) epochs"
        }
    }

    enum CodingKeys: String, CodingKey { case steps, epochs }
    public init(from decoder: Decoder) throws {
        try StrictDecoding.refuseUnknownKeys(decoder, allowed: ["steps", "epochs"], what: "span (steps or epochs)")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let steps = try c.decodeIfPresent(Int.self, forKey: .steps), epochs = try c.decodeIfPresent(Double.self, forKey: .epochs)
        switch (steps, epochs) {
        case (let s?, nil): self = .steps(s)
        case (nil, let e?): self = .epochs(e)
        case (_?, _?):
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "a span gives steps or epochs, not both"))
        case (nil, nil): self = .epochs(try c.decode(Double.self, forKey: .epochs))
        }
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .steps(let n): try c.encode(n, forKey: .steps)
        case .epochs(let e): try c.encode(e, forKey: .epochs)
        }
    }
}

public enum NoiseScaling: String, Codable, CaseIterable, Sendable { case std, absolute }
/// Which tensors a noise draw touches. `nil` in a config means "the paper's choice for the tuning kind"
/// (head for full fine-tuning, every trainable tensor for PEFT).
public enum NoiseScope: String, Codable, CaseIterable, Sendable { case head, trainable, all }
public enum Vote: String, Codable, CaseIterable, Sendable { case hard, soft }
public enum CopyOptimizer: String, Codable, CaseIterable, Sendable { case fresh, inherited }
public enum CopyLearningRate: String, Codable, CaseIterable, Sendable { case constant, scheduled }
public enum CopyDropout: String, Codable, CaseIterable, Sendable { case own, shared }

/// DENI's hyperparameters (also used by DE and NI). Defaults are the paper's values.
public struct DENIConfig: Codable, Hashable, Sendable {
    public var ensembleSize = 10
    public var noiseVariance = 0.15
    public var noiseScaling = NoiseScaling.std
    public var noiseScope: NoiseScope? = nil
    public var interpolationStart = 0.3
    public var interpolationEnd = 0.6
    public var period = Span.epochs(1)
    public var roundLength = Span.epochs(1)
    public var anneal = true
    public var ensembleStart = 0.9
    public var vote = Vote.hard
    public var copyOptimizer = CopyOptimizer.fresh
    public var copyLearningRate = CopyLearningRate.constant
    public var copyDropout = CopyDropout.own
    public init() {}

    /// Every setting, in the order the Setup form lists them.
    public static let fields: [SettingField<DENIConfig>] = [
        .double("noiseVariance", label: "Noise variance σ²", short: "σ²",
                help: "noise added at each interpolation: sd = √(σ²/step) · std(tensor) with annealing and std scaling",
                flag: "noise-variance", valid: "0...10", { $0 >= 0 && $0 <= 10 }, \.noiseVariance),
        .int("ensembleSize", label: "Ensemble size K", short: "K", help: "models in the delayed ensemble (main + K − 1 noisy copies)",
             flag: "ensemble-size", 1...64, \.ensembleSize),
        .choice("noiseScaling", label: "Noise scaling", short: "scaling", help: "std: relative to each tensor's std; absolute: σ itself",
                \.noiseScaling),
        SettingField("noiseScope", label: "Noise scope", short: "scope",
                     help: "tensors the noise touches; auto: head for full fine-tuning, every trainable tensor for PEFT",
                     valid: "auto, head, trainable, all", choices: ["auto"] + NoiseScope.allCases.map(\.rawValue),
                     read: { $0.noiseScope?.rawValue ?? "auto" },
                     write: { (c: inout DENIConfig, t: String) throws(FieldError) in
                         c.noiseScope = t.lowercased() == "auto" || t.isEmpty ? nil : try FieldText.choice(t, NoiseScope.self)
                     }),
        .double("interpolationStart", label: "Interpolation start", short: "start",
                help: "fraction of training when interpolation rounds start", valid: "0...1", { (0...1).contains($0) }, \.interpolationStart),
        SettingField("interpolationEnd", label: "Interpolation end", short: "end", help: "fraction of training when interpolation rounds stop",
                     valid: "0...1, ≥ start", read: { FieldText.format($0.interpolationEnd) },
                     write: { (c: inout DENIConfig, t: String) throws(FieldError) in c.interpolationEnd = try FieldText.double(t) },
                     check: { c in
                         if !(0...1).contains(c.interpolationEnd) { return "Interpolation end \(FieldText.format(c.interpolationEnd)) is outside 0...1" }
                         return c.interpolationEnd < c.interpolationStart
                             ? "Interpolation end \(FieldText.format(c.interpolationEnd)) is before its start \(FieldText.format(c.interpolationStart))" : nil
                     }),
        spanField("period", label: "Interpolation period", short: "period", help: "time between rounds", flag: "interpolation-period", \.period),
        spanField("roundLength", label: "Round length", short: "round", help: "how long the noisy copies train before averaging", flag: nil, \.roundLength),
        .bool("anneal", label: "Anneal noise", short: "anneal", help: "scale the noise down as training goes on (σ²/step)", \.anneal),
        .double("ensembleStart", label: "Ensemble start", short: "ens. start", help: "fraction of training when the K copies split for good",
                valid: "0...1", { (0...1).contains($0) }, \.ensembleStart),
        .choice("vote", label: "Vote", short: "vote", help: "how the final ensemble combines its members", flag: "vote", \.vote),
        .choice("copyOptimizer", label: "Copy optimizer", short: "copy opt",
                help: "fresh Adam for each copy (the released code) or the main model's state", \.copyOptimizer),
        .choice("copyLearningRate", label: "Copy learning rate", short: "copy lr",
                help: "copies train at the constant base rate (the released code) or follow the main schedule", \.copyLearningRate),
        .choice("copyDropout", label: "Copy dropout", short: "copy dropout", help: "each copy draws its own dropout masks, or shares the main model's",
                \.copyDropout),
    ]

    static func spanField(_ key: String, label: String, short: String, help: String, flag: String?,
                          _ path: WritableKeyPath<DENIConfig, Span>) -> SettingField<DENIConfig> {
        SettingField(key, label: label, short: short, help: help + ": '1e' (epochs) or '50s' (steps)", valid: "> 0, ≤ 1000 epochs", flag: flag,
                     read: { FieldText.format($0[keyPath: path]) },
                     write: { (c: inout DENIConfig, t: String) throws(FieldError) in
                         // A bare number of a command-line flag counts steps (`--interpolation-period 50`), as it always did.
                         if let n = Int(t) { c[keyPath: path] = .steps(n) } else { c[keyPath: path] = try FieldText.span(t) }
                     },
                     check: { c in
                         switch c[keyPath: path] {
                         case .steps(let n) where n < 1: "\(label) \(n) steps is below 1 step"
                         case .steps(let n) where n > Span.maximumSteps: "\(label) \(n) steps is above \(Span.maximumSteps) steps"
                         case .epochs(let e) where !(e > 0): "\(label) \(FieldText.format(e)) epochs is not above 0"
                         case .epochs(let e) where !(e <= Span.maximumEpochs):
                             "\(label) \(FieldText.format(e)) epochs is above \(FieldText.format(Span.maximumEpochs)) epochs"
                         default: nil
                         }
                     })
    }

    /// Refuses out-of-range or contradictory values, naming the parameter and the valid range.
    public func validate() throws(ConfigError) {
        for f in Self.fields { if let p = f.check(self) { throw ConfigError(message: "DENI: \(p)") } }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case ensembleSize, noiseVariance, noiseScaling, noiseScope, interpolationStart, interpolationEnd, period, roundLength, anneal,
             ensembleStart, vote, copyOptimizer, copyLearningRate, copyDropout
    }

    /// Missing keys take their defaults (configs written before a setting existed); unknown keys are refused.
    public init(from decoder: Decoder) throws {
        try StrictDecoding.refuseUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue), what: "DENI settings")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self = DENIConfig()
        if let v = try c.decodeIfPresent(Int.self, forKey: .ensembleSize) { ensembleSize = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: .noiseVariance) { noiseVariance = v }
        if let v = try c.decodeIfPresent(NoiseScaling.self, forKey: .noiseScaling) { noiseScaling = v }
        if let v = try c.decodeIfPresent(NoiseScope.self, forKey: .noiseScope) { noiseScope = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: .interpolationStart) { interpolationStart = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: .interpolationEnd) { interpolationEnd = v }
        if let v = try c.decodeIfPresent(Span.self, forKey: .period) { period = v }
        if let v = try c.decodeIfPresent(Span.self, forKey: .roundLength) { roundLength = v }
        if let v = try c.decodeIfPresent(Bool.self, forKey: .anneal) { anneal = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: .ensembleStart) { ensembleStart = v }
        if let v = try c.decodeIfPresent(Vote.self, forKey: .vote) { vote = v }
        if let v = try c.decodeIfPresent(CopyOptimizer.self, forKey: .copyOptimizer) { copyOptimizer = v }
        if let v = try c.decodeIfPresent(CopyLearningRate.self, forKey: .copyLearningRate) { copyLearningRate = v }
        if let v = try c.decodeIfPresent(CopyDropout.self, forKey: .copyDropout) { copyDropout = v }
    }
}
