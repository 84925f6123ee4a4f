import DeniCore

// Every mitigation strategy in one place: its kind, its settings (with their fields) and the plug-in that runs it.
// A new strategy is a case here and its `MitigationStrategy` in Strategies/.

/// The mitigation strategies of METHOD.md.
public enum StrategyKind: String, Codable, CaseIterable, Sendable {
    case standard = "default"
    case bestPractices = "best_practices"
    case ensemble
    case inputNoise = "input_noise"
    case weightNoise = "weight_noise"
    case priorNoise = "prior_noise"
    case swa, ema, mixout, augment
    case de, ni, deni
    case deniAugment = "deni_augment"

    public var displayName: String {
        switch self {
        case .standard: "Default"
        case .bestPractices: "Best practices"
        case .ensemble: "Ensemble"
        case .inputNoise: "Input noise"
        case .weightNoise: "Weight noise"
        case .priorNoise: "Prior noise"
        case .swa: "SWA"
        case .ema: "EMA"
        case .mixout: "Mixout"
        case .augment: "Augment"
        case .de: "DE"
        case .ni: "NI"
        case .deni: "DENI"
        case .deniAugment: "DENI + Augment"
        }
    }

    /// A one-line explanation for help screens.
    public var summary: String {
        switch self {
        case .standard: "plain fine-tuning by the protocol"
        case .bestPractices: "longer training (20 epochs) with 10 % linear warmup"
        case .ensemble: "K independent runs, hard majority vote"
        case .inputNoise: "noise on the pooled vector every ~27th step from 30 % to 90 %; head-only steps"
        case .weightNoise: "persistent weight noise at the same times, annealed by 1/step"
        case .priorNoise: "perturb the trainable weights once before training (NoisyTune)"
        case .swa: "equal average of the weights after every step from 25 %"
        case .ema: "exponential moving average of the weights"
        case .mixout: "head weights mixed with their initial values (p = 0.9)"
        case .augment: "k augmented copies of each training sample (EDA)"
        case .de: "delayed ensemble alone"
        case .ni: "noisy interpolation alone"
        case .deni: "delayed ensemble with noisy interpolation"
        case .deniAugment: "DENI on the augmented training set"
        }
    }

    /// DE, NI, DENI and DENI + Augment: DENI's machinery and settings.
    public var isDENIFamily: Bool { [.de, .ni, .deni, .deniAugment].contains(self) }
    /// Augment and DENI + Augment train on the augmented training set.
    public var usesAugmentedData: Bool { self == .augment || self == .deniAugment }
    /// The baseline every other strategy is compared with.
    public var isBaseline: Bool { self == .standard }
}

/// Input, weight and prior noise: variance, and (input/weight) when to inject.
public struct NoiseSettings: Codable, Hashable, Sendable {
    public var noiseVariance = 0.15
    /// Inject every `noiseEvery` steps inside [noiseStart, noiseEnd) of training (input and weight noise).
    public var noiseEvery = 27
    public var noiseStart = 0.3
    public var noiseEnd = 0.9
    /// Weight noise's tensors (nil: head for full fine-tuning, every trainable tensor for PEFT).
    public var noiseScope: NoiseScope? = nil
    public init() {}

    public static let fields: [SettingField<NoiseSettings>] = [
        .double("noiseVariance", label: "Noise variance σ²", short: "σ²", help: "variance of the injected noise", flag: "noise-variance",
                valid: "0...10", { $0 >= 0 && $0 <= 10 }, \.noiseVariance),
        .int("noiseEvery", label: "Noise every", short: "every", help: "steps between injections", 1...100_000, \.noiseEvery),
        .double("noiseStart", label: "Noise start", short: "start", help: "fraction of training when injections start",
                valid: "0...1", { (0...1).contains($0) }, \.noiseStart),
        SettingField("noiseEnd", label: "Noise end", short: "end", help: "fraction of training when injections stop", valid: "0...1, ≥ start",
                     read: { FieldText.format($0.noiseEnd) },
                     write: { (s: inout NoiseSettings, t: String) throws(FieldError) in s.noiseEnd = try FieldText.double(t) },
                     check: { s in (0...1).contains(s.noiseEnd) && s.noiseEnd >= s.noiseStart ? nil
                         : "Noise end \(FieldText.format(s.noiseEnd)) is outside \(FieldText.format(s.noiseStart))...1" }),
        SettingField("noiseScope", label: "Noise scope", short: "scope", help: "weight noise's tensors; auto: head for full, trainable for PEFT",
                     valid: "auto, head, trainable, all", choices: ["auto"] + NoiseScope.allCases.map(\.rawValue),
                     read: { $0.noiseScope?.rawValue ?? "auto" },
                     write: { (s: inout NoiseSettings, t: String) throws(FieldError) in
                         s.noiseScope = t.lowercased() == "auto" || t.isEmpty ? nil : try FieldText.choice(t, NoiseScope.self)
                     }),
    ]
}

/// The payload of each kind: exactly the settings that kind reads.
public enum StrategySettings: Hashable, Sendable {
    case standard
    case bestPractices
    case ensemble(size: Int)
    case inputNoise(NoiseSettings)
    case weightNoise(NoiseSettings)
    case priorNoise(NoiseSettings)
    case swa(start: Double)
    case ema(decay: Double, biasCorrection: Bool)
    case mixout(probability: Double)
    case augment(copies: Int)
    case de(DENIConfig)
    case ni(DENIConfig)
    case deni(DENIConfig)
    case deniAugment(DENIConfig, copies: Int)

    public var kind: StrategyKind {
        switch self {
        case .standard: .standard
        case .bestPractices: .bestPractices
        case .ensemble: .ensemble
        case .inputNoise: .inputNoise
        case .weightNoise: .weightNoise
        case .priorNoise: .priorNoise
        case .swa: .swa
        case .ema: .ema
        case .mixout: .mixout
        case .augment: .augment
        case .de: .de
        case .ni: .ni
        case .deni: .deni
        case .deniAugment: .deniAugment
        }
    }

    /// The paper's settings of `kind`.
    public static func defaults(_ kind: StrategyKind) -> StrategySettings {
        switch kind {
        case .standard: .standard
        case .bestPractices: .bestPractices
        case .ensemble: .ensemble(size: 10)
        case .inputNoise: .inputNoise(NoiseSettings())
        case .weightNoise: .weightNoise(NoiseSettings())
        case .priorNoise: .priorNoise(NoiseSettings())
        case .swa: .swa(start: 0.25)
        case .ema: .ema(decay: 0.999, biasCorrection: false)
        case .mixout: .mixout(probability: 0.9)
        case .augment: .augment(copies: 1)
        case .de: .de(DENIConfig())
        case .ni: .ni(DENIConfig())
        case .deni: .deni(DENIConfig())
        case .deniAugment: .deniAugment(DENIConfig(), copies: 1)
        }
    }

    /// DENI's settings (DE, NI, DENI, DENI + Augment).
    public var deni: DENIConfig? {
        get {
            switch self {
            case .de(let c), .ni(let c), .deni(let c), .deniAugment(let c, _): c
            default: nil
            }
        }
        set {
            guard let c = newValue else { return }
            switch self {
            case .de: self = .de(c)
            case .ni: self = .ni(c)
            case .deni: self = .deni(c)
            case .deniAugment(_, let k): self = .deniAugment(c, copies: k)
            default: break
            }
        }
    }

    /// The noise baselines' settings.
    public var noise: NoiseSettings? {
        get {
            switch self {
            case .inputNoise(let n), .weightNoise(let n), .priorNoise(let n): n
            default: nil
            }
        }
        set {
            guard let n = newValue else { return }
            switch self {
            case .inputNoise: self = .inputNoise(n)
            case .weightNoise: self = .weightNoise(n)
            case .priorNoise: self = .priorNoise(n)
            default: break
            }
        }
    }

    /// Augmented copies per training sample (Augment, DENI + Augment).
    public var augmentCopies: Int? {
        get {
            switch self {
            case .augment(let k), .deniAugment(_, let k): k
            default: nil
            }
        }
        set {
            guard let k = newValue else { return }
            switch self {
            case .augment: self = .augment(copies: k)
            case .deniAugment(let c, _): self = .deniAugment(c, copies: k)
            default: break
            }
        }
    }

    /// The settings of this kind as fields (JSON keys, form rows, sweep keys). DENI's sit under "deni".
    public static func fields(_ kind: StrategyKind) -> [SettingField<StrategySettings>] {
        var out: [SettingField<StrategySettings>] = []
        if kind.isDENIFamily {
            out += DENIConfig.fields.map { f in f.lifted({ $0.deni }, { $0.deni = $1 }) }
        }
        switch kind {
        case .ensemble:
            out.append(SettingField("ensembleSize", label: "Ensemble size K", short: "K", help: "independent members, hard majority vote",
                                    valid: "1...64", flag: "ensemble-size",
                                    read: { if case .ensemble(let k) = $0 { "\(k)" } else { "" } },
                                    write: { (s: inout StrategySettings, t: String) throws(FieldError) in s = .ensemble(size: try FieldText.int(t)) },
                                    check: { if case .ensemble(let k) = $0, !(1...64).contains(k) { "Ensemble size K \(k) is outside 1...64" } else { nil } }))
        case .inputNoise, .weightNoise, .priorNoise:
            let used: Set<String> = kind == .priorNoise ? ["noiseVariance"] : kind == .inputNoise
                ? ["noiseVariance", "noiseEvery", "noiseStart", "noiseEnd"] : ["noiseVariance", "noiseEvery", "noiseStart", "noiseEnd", "noiseScope"]
            out += NoiseSettings.fields.filter { used.contains($0.key) }.map { $0.lifted({ $0.noise }, { $0.noise = $1 }) }
        case .swa:
            out.append(SettingField("swaStart", label: "SWA start", short: "start", help: "fraction of training when averaging starts", valid: "0...<1",
                                    read: { if case .swa(let v) = $0 { FieldText.format(v) } else { "" } },
                                    write: { (s: inout StrategySettings, t: String) throws(FieldError) in s = .swa(start: try FieldText.double(t)) },
                                    check: { if case .swa(let v) = $0, !(0..<1).contains(v) { "SWA start \(FieldText.format(v)) is outside 0..<1" } else { nil } }))
        case .ema:
            out.append(SettingField("emaDecay", label: "EMA decay", short: "decay", help: "weight of the running average per step", valid: "0 < decay < 1",
                                    read: { if case .ema(let d, _) = $0 { FieldText.format(d) } else { "" } },
                                    write: { (s: inout StrategySettings, t: String) throws(FieldError) in
                                        if case .ema(_, let b) = s { s = .ema(decay: try FieldText.double(t), biasCorrection: b) }
                                    },
                                    check: { if case .ema(let d, _) = $0, !(d > 0 && d < 1) { "EMA decay \(FieldText.format(d)) is outside 0 < decay < 1" } else { nil } }))
            out.append(SettingField("emaBiasCorrection", label: "EMA bias correction", short: "bias corr.", help: "divide by 1 − decay^steps",
                                    valid: "on or off", choices: ["on", "off"],
                                    read: { if case .ema(_, let b) = $0 { FieldText.format(b) } else { "" } },
                                    write: { (s: inout StrategySettings, t: String) throws(FieldError) in
                                        if case .ema(let d, _) = s { s = .ema(decay: d, biasCorrection: try FieldText.bool(t)) }
                                    }))
        case .mixout:
            out.append(SettingField("mixoutProbability", label: "Mixout probability", short: "p", help: "chance a head weight is swapped for its initial value",
                                    valid: "0 ≤ p < 1",
                                    read: { if case .mixout(let p) = $0 { FieldText.format(p) } else { "" } },
                                    write: { (s: inout StrategySettings, t: String) throws(FieldError) in s = .mixout(probability: try FieldText.double(t)) },
                                    check: { if case .mixout(let p) = $0, !(p >= 0 && p < 1) { "Mixout probability \(FieldText.format(p)) is outside 0 ≤ p < 1" } else { nil } }))
        default: break
        }
        if kind.usesAugmentedData {
            out.append(SettingField("augmentCopies", label: "Augmented copies", short: "×", help: "EDA copies of each training sample", valid: "1...16",
                                    read: { $0.augmentCopies.map { "\($0)" } ?? "" },
                                    write: { (s: inout StrategySettings, t: String) throws(FieldError) in s.augmentCopies = try FieldText.int(t) },
                                    check: { s in s.augmentCopies.map { (1...16).contains($0) ? nil : "Augmented copies \($0) is outside 1...16" } ?? nil }))
        }
        return out
    }

    /// The plug-in that runs these settings.
    func makeStrategy() -> MitigationStrategy {
        switch self {
        case .standard, .bestPractices, .augment: PlainStrategy()
        case .ensemble(let k): EnsembleStrategy(size: k)
        case .inputNoise(let n): InputNoiseStrategy(n)
        case .weightNoise(let n): WeightNoiseStrategy(n)
        case .priorNoise(let n): PriorNoiseStrategy(n)
        case .swa(let start): SWAStrategy(start: start)
        case .ema(let d, let b): EMAStrategy(decay: d, biasCorrection: b)
        case .mixout(let p): MixoutStrategy(p: p)
        case .de(let c): DENIStrategy(c, interpolation: false, ensemble: true)
        case .ni(let c): DENIStrategy(c, interpolation: true, ensemble: false)
        case .deni(let c), .deniAugment(let c, _): DENIStrategy(c, interpolation: true, ensemble: true)
        }
    }
}
