import DeniCore
@_exported import enum DeniModel.Pooling
@_exported import struct DeniModel.AdapterSpec

/// How long a strategy trains relative to the experiment: Best practices 2× with 10 % warmup, Augment 1.2×.
public struct TrainingLength: Codable, Hashable, Sendable {
    /// An explicit number of epochs (nil: `epochScale` × the experiment's epochs).
    public var epochs: Int? = nil
    public var epochScale = 1.0
    /// Linear warmup as a fraction of the steps.
    public var warmup = 0.0
    public init() {}

    public static func defaults(_ kind: StrategyKind) -> TrainingLength {
        var t = TrainingLength()
        switch kind {
        case .bestPractices: t.epochScale = 2; t.warmup = 0.1
        case .augment: t.epochScale = 1.2
        default: break
        }
        return t
    }

    public static let fields: [SettingField<TrainingLength>] = [
        SettingField("epochs", label: "Strategy epochs", short: "epochs", help: "this strategy's epochs (empty: scale × the experiment's)",
                     valid: "1...1000 or empty", read: { $0.epochs.map { "\($0)" } ?? "" },
                     write: { (t: inout TrainingLength, s: String) throws(FieldError) in t.epochs = s.isEmpty ? nil : try FieldText.int(s) },
                     check: { t in t.epochs.map { (1...1000).contains($0) ? nil : "Strategy epochs \($0) is outside 1...1000" } ?? nil }),
        .double("epochScale", label: "Epoch scale", short: "epochs ×", help: "epochs relative to the experiment's", valid: "0 < scale ≤ 100",
                { $0 > 0 && $0 <= 100 }, \.epochScale),
        .double("warmup", label: "Warmup", short: "warmup", help: "linear warmup as a fraction of the steps", valid: "0...<1",
                { (0..<1).contains($0) }, \.warmup),
    ]
}

/// One mitigation strategy of an experiment: its kind with that kind's settings, and how long it trains.
///
/// Its identity is the value itself (kind + settings + length), never its label: the same kind may appear
/// several times with different settings (variants), never twice with the same. Its runs carry `label`.
public struct StrategyConfig: Hashable, Sendable {
    /// Equal when kind, settings, length, experiment-level settings and label are: whether the label was derived
    /// or recorded does not matter.
    public static func == (a: StrategyConfig, b: StrategyConfig) -> Bool {
        a.settings == b.settings && a.length == b.length && a.experiment == b.experiment && a.label == b.label
    }
    public func hash(into h: inout Hasher) { h.combine(settings); h.combine(length); h.combine(experiment); h.combine(label) }

    public var settings: StrategySettings
    public var length: TrainingLength
    /// The label its runs carry in events and tables; nil: derived from the settings (`DeniExperiments`).
    /// Set for strategies read from configs recorded before labels were derived (their kind's display name).
    public var name: String?
    /// Experiment-level settings this strategy trains under instead of the experiment's — a sweep's point over
    /// the learning rate, the samples, the tuning… — by field-table key, each value as the table writes it.
    /// Empty for every strategy of a plain experiment. `DeniExperiments` applies them (`ExperimentConfig.resolved`).
    public var experiment: [String: String] = [:]

    public init(kind: StrategyKind) {
        settings = .defaults(kind); length = .defaults(kind)
    }

    public init(_ settings: StrategySettings, length: TrainingLength? = nil, name: String? = nil) {
        self.settings = settings; self.length = length ?? .defaults(settings.kind); self.name = name
    }

    public var kind: StrategyKind { settings.kind }

    /// What its runs are called: the kind's display name ("Augment x2" with its copies), then every setting that
    /// differs from the kind's defaults by its short name — "DENI · σ² 0.05 · K 5". An explicit `name` wins.
    public var label: String {
        if let name { return name }
        let base = kind == .augment ? "Augment x\(settings.augmentCopies ?? 1)" : kind.displayName
        return ([base] + differences.map { "\($0.short) \($0.value)" } + experiment.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" })
            .joined(separator: " · ")
    }

    /// The settings that differ from the kind's defaults, in field order.
    public var differences: [(key: String, short: String, value: String)] {
        let reference = StrategyConfig(kind: kind)
        return fields.compactMap { f in
            if kind == .augment && f.key == "augmentCopies" { return nil }
            let v = f.read(self)
            return v == f.read(reference) ? nil : (f.key, f.short, v)
        }
    }

    /// Kind, settings, length and experiment-level settings: what makes two strategies the same strategy.
    public var identity: StrategyIdentity { StrategyIdentity(settings: settings, length: length, experiment: experiment) }

    /// DENI's settings, for the DENI family (nil otherwise).
    public var deni: DENIConfig? {
        get { settings.deni }
        set { settings.deni = newValue }
    }

    /// The epochs this strategy trains when the experiment trains `base` epochs.
    public func epochs(base: Int) -> Int { length.epochs ?? max(1, Int((length.epochScale * Double(base)).rounded())) }
    public var warmup: Double { length.warmup }

    /// Every setting of this strategy as a field over the whole config: the kind's settings, then its length.
    public var fields: [SettingField<StrategyConfig>] {
        StrategySettings.fields(kind).map { $0.lifted({ $0.settings }, { $0.settings = $1 }) }
            + TrainingLength.fields.map { $0.lifted({ $0.length }, { $0.length = $1 }) }
    }

    /// Refuses out-of-range or contradictory values, naming the strategy, the parameter and the valid range.
    public func validate() throws(ConfigError) {
        for f in fields {
            if let p = f.check(self) { throw ConfigError(message: "\(label): \(p)") }
        }
    }

    /// The plug-in that runs it.
    func makeStrategy() -> MitigationStrategy { settings.makeStrategy() }
}

/// What makes two strategies the same strategy: kind, settings, length and experiment-level settings (not the label).
public struct StrategyIdentity: Hashable, Sendable {
    public let settings: StrategySettings
    public let length: TrainingLength
    public let experiment: [String: String]
}

/// A configuration value that is out of range.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let parameter: String, value: String, valid: String
    private let message: String?
    public init(_ parameter: String, _ value: String, _ valid: String) {
        self.parameter = parameter; self.value = value; self.valid = valid; message = nil
    }
    /// An error already phrased as one line (a lower module's message).
    public init(message: String) { parameter = ""; value = ""; valid = ""; self.message = message }
    public var description: String { message ?? "invalid \(parameter): \(value) (valid: \(valid))" }
}

// MARK: - JSON

/// Current format: `{"kind": …, <that kind's settings>, "epochs"?, "epochScale", "warmup", "label"?}` with DENI's
/// settings under "deni"; a key that does not belong to the kind is refused, naming the valid ones.
extension StrategyConfig: Codable {
    static let lengthKeys = ["epochs", "epochScale", "warmup"]

    /// The JSON keys a strategy of `kind` may have.
    public static func keys(_ kind: StrategyKind) -> [String] {
        var keys = ["kind", "label", "experiment"] + lengthKeys
        if kind.isDENIFamily { keys.append("deni") }
        keys += StrategySettings.fields(kind).map(\.key).filter { !DENIConfig.CodingKeys.allCases.map(\.rawValue).contains($0) || !kind.isDENIFamily }
        return keys
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        let kind = try c.decode(StrategyKind.self, forKey: AnyKey("kind"))
        let allowed = Self.keys(kind)
        for key in c.allKeys.map(\.stringValue).sorted() where !allowed.contains(key) {
            let every = Set(StrategyKind.allCases.flatMap(Self.keys))
            let message = every.contains(key)
                ? "'\(key)' does not apply to \(kind.displayName) (its keys: \(allowed.joined(separator: ", ")))"
                : StrictDecoding.unknownKeyMessage(key, allowed: allowed, what: "\(kind.displayName) strategy")
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [AnyKey(key)], debugDescription: message))
        }
        self.init(kind: kind)
        try decodeSettings(c)
        name = try c.decodeIfPresent(String.self, forKey: AnyKey("label"))
        experiment = try c.decodeIfPresent([String: String].self, forKey: AnyKey("experiment")) ?? [:]
    }

    /// Reads the kind's settings and the length from `c` (missing keys keep their defaults).
    mutating func decodeSettings(_ c: KeyedDecodingContainer<AnyKey>) throws {
        if kind.isDENIFamily, let d = try c.decodeIfPresent(DENIConfig.self, forKey: AnyKey("deni")) { settings.deni = d }
        switch settings {
        case .ensemble:
            if let v = try c.decodeIfPresent(Int.self, forKey: AnyKey("ensembleSize")) { settings = .ensemble(size: v) }
        case .inputNoise(var n), .weightNoise(var n), .priorNoise(var n):
            if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey("noiseVariance")) { n.noiseVariance = v }
            if let v = try c.decodeIfPresent(Int.self, forKey: AnyKey("noiseEvery")) { n.noiseEvery = v }
            if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey("noiseStart")) { n.noiseStart = v }
            if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey("noiseEnd")) { n.noiseEnd = v }
            if let v = try c.decodeIfPresent(NoiseScope.self, forKey: AnyKey("noiseScope")) { n.noiseScope = v }
            settings.noise = n
        case .swa(var start):
            if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey("swaStart")) { start = v }
            settings = .swa(start: start)
        case .ema(var d, var b):
            if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey("emaDecay")) { d = v }
            if let v = try c.decodeIfPresent(Bool.self, forKey: AnyKey("emaBiasCorrection")) { b = v }
            settings = .ema(decay: d, biasCorrection: b)
        case .mixout(var p):
            if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey("mixoutProbability")) { p = v }
            settings = .mixout(probability: p)
        default: break
        }
        if kind.usesAugmentedData, let v = try c.decodeIfPresent(Int.self, forKey: AnyKey("augmentCopies")) { settings.augmentCopies = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: AnyKey("epochs")) { length.epochs = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey("epochScale")) { length.epochScale = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey("warmup")) { length.warmup = v }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(kind, forKey: AnyKey("kind"))
        if let name { try c.encode(name, forKey: AnyKey("label")) }
        if !experiment.isEmpty { try c.encode(experiment, forKey: AnyKey("experiment")) }
        if let d = settings.deni { try c.encode(d, forKey: AnyKey("deni")) }
        switch settings {
        case .ensemble(let k): try c.encode(k, forKey: AnyKey("ensembleSize"))
        case .inputNoise(let n), .weightNoise(let n), .priorNoise(let n):
            for f in StrategySettings.fields(kind) {
                switch f.key {
                case "noiseVariance": try c.encode(n.noiseVariance, forKey: AnyKey(f.key))
                case "noiseEvery": try c.encode(n.noiseEvery, forKey: AnyKey(f.key))
                case "noiseStart": try c.encode(n.noiseStart, forKey: AnyKey(f.key))
                case "noiseEnd": try c.encode(n.noiseEnd, forKey: AnyKey(f.key))
                case "noiseScope": try c.encodeIfPresent(n.noiseScope, forKey: AnyKey(f.key))
                default: break
                }
            }
        case .swa(let s): try c.encode(s, forKey: AnyKey("swaStart"))
        case .ema(let d, let b): try c.encode(d, forKey: AnyKey("emaDecay")); try c.encode(b, forKey: AnyKey("emaBiasCorrection"))
        case .mixout(let p): try c.encode(p, forKey: AnyKey("mixoutProbability"))
        default: break
        }
        if let k = settings.augmentCopies { try c.encode(k, forKey: AnyKey("augmentCopies")) }
        try c.encodeIfPresent(length.epochs, forKey: AnyKey("epochs"))
        try c.encode(length.epochScale, forKey: AnyKey("epochScale"))
        try c.encode(length.warmup, forKey: AnyKey("warmup"))
    }
}

extension StrategyConfig {
    /// The pre-change format (configs without `"format"`: every study config, every session recorded before it):
    /// every strategy carried every setting of every kind, flat, with DENI's under "deni"; a kind read the ones it
    /// uses and ignored the rest (weight noise took its scope from "deni"). Runs were labelled by the kind's
    /// display name ("Augment x1" for Augment), which becomes the strategy's `name`.
    public struct Legacy: Decodable {
        public let config: StrategyConfig
        static let keys = ["kind", "deni", "ensembleSize", "noiseVariance", "noiseEvery", "noiseStart", "noiseEnd", "swaStart", "emaDecay",
                           "emaBiasCorrection", "mixoutProbability", "augmentCopies", "epochs", "epochScale", "warmup"]

        public init(from decoder: Decoder) throws {
            try StrictDecoding.refuseUnknownKeys(decoder, allowed: Self.keys, what: "strategy")
            let c = try decoder.container(keyedBy: AnyKey.self)
            var s = StrategyConfig(kind: try c.decode(StrategyKind.self, forKey: AnyKey("kind")))
            let deni = try c.decodeIfPresent(DENIConfig.self, forKey: AnyKey("deni"))
            try s.decodeSettings(c)
            if s.kind == .weightNoise, let scope = deni?.noiseScope { s.settings.noise?.noiseScope = scope }
            s.name = s.kind == .augment ? "Augment x\(s.settings.augmentCopies ?? 1)" : s.kind.displayName
            config = s
        }
    }
}
