import DeniCore

extension AdapterSpec.Kind {
    /// The paper's learning rate for this tuning strategy (BERT values, METHOD.md).
    public var paperLearningRate: Double {
        switch self {
        case .full: 1e-5
        case .lora: 1e-4
        case .ia3: 7.5e-3
        case .unipelt: 1e-4
        }
    }

    /// How reports and titles name it.
    public var displayName: String {
        switch self {
        case .full: "full fine-tuning"
        case .lora: "LoRA"
        case .ia3: "IA3"
        case .unipelt: "UniPELT"
        }
    }
}

@_exported import enum DeniModel.Pooling
@_exported import struct DeniModel.AdapterSpec

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
}

/// A length in steps or epochs.
public enum Span: Codable, Hashable, Sendable, CustomStringConvertible {
    case steps(Int)
    case epochs(Double)

    public func steps(perEpoch: Int) -> Int {
        switch self {
        case .steps(let n): n
        case .epochs(let e): max(1, Int((e * Double(perEpoch)).rounded()))
        }
    }

    public var description: String {
        switch self {
        case .steps(let n): "\(n) steps"
        case .epochs(let e): e == 1 ? "1 epoch" : "\(e) epochs"
        }
    }

    enum CodingKeys: String, CodingKey { case steps, epochs }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let s = try c.decodeIfPresent(Int.self, forKey: .steps) { self = .steps(s) }
        else { self = .epochs(try c.decode(Double.self, forKey: .epochs)) }
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

    /// Refuses out-of-range or contradictory values, naming the parameter and the valid range.
    public func validate() throws(ConfigError) {
        if ensembleSize < 1 || ensembleSize > 64 { throw ConfigError("ensemble size", "\(ensembleSize)", "1...64") }
        if !(noiseVariance >= 0) || !noiseVariance.isFinite { throw ConfigError("noise variance", "\(noiseVariance)", "≥ 0") }
        if !(0...1).contains(interpolationStart) { throw ConfigError("interpolation start", "\(interpolationStart)", "0...1") }
        if !(0...1).contains(interpolationEnd) { throw ConfigError("interpolation end", "\(interpolationEnd)", "0...1") }
        if interpolationEnd < interpolationStart {
            throw ConfigError("interpolation end", "\(interpolationEnd)", "≥ interpolation start (\(interpolationStart))")
        }
        if !(0...1).contains(ensembleStart) { throw ConfigError("ensemble start", "\(ensembleStart)", "0...1") }
        for (name, span) in [("period", period), ("round length", roundLength)] {
            switch span {
            case .steps(let n) where n < 1: throw ConfigError(name, "\(n) steps", "≥ 1 step")
            case .epochs(let e) where !(e > 0): throw ConfigError(name, "\(e) epochs", "> 0 epochs")
            default: break
            }
        }
    }
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

/// One mitigation strategy with its hyperparameters. Fields irrelevant to `kind` are ignored.
public struct StrategyConfig: Codable, Hashable, Sendable {
    public var kind: StrategyKind
    /// DENI, DE, NI, DENI + Augment.
    public var deni = DENIConfig()
    /// Ensemble: number of independent members.
    public var ensembleSize = 10
    /// Input / weight / prior noise variance.
    public var noiseVariance = 0.15
    /// Input / weight noise: inject every `noiseEvery` steps inside [noiseStart, noiseEnd).
    public var noiseEvery = 27
    public var noiseStart = 0.3
    public var noiseEnd = 0.9
    /// SWA starts averaging at this fraction of the steps.
    public var swaStart = 0.25
    /// EMA decay and bias correction.
    public var emaDecay = 0.999
    public var emaBiasCorrection = false
    /// Mixout probability.
    public var mixoutProbability = 0.9
    /// Augment: augmented copies per sample.
    public var augmentCopies = 1
    /// An explicit number of epochs for this strategy (nil: `epochScale` × the experiment's epochs).
    public var epochs: Int? = nil
    /// Best practices train 2× longer (20 epochs against 10), Augment 1.2× (12 against 10).
    public var epochScale = 1.0
    /// Best practices: warmup fraction.
    public var warmup = 0.0

    public init(kind: StrategyKind) {
        self.kind = kind
        switch kind {
        case .bestPractices: epochScale = 2; warmup = 0.1
        case .augment: epochScale = 1.2
        default: break
        }
    }

    /// The epochs this strategy trains when the experiment trains `base` epochs.
    public func epochs(base: Int) -> Int { epochs ?? max(1, Int((epochScale * Double(base)).rounded())) }

    public var displayName: String {
        kind == .augment ? "Augment x\(augmentCopies)" : kind.displayName
    }

    public func validate() throws(ConfigError) {
        switch kind {
        case .de, .ni, .deni, .deniAugment: try deni.validate()
        case .ensemble where ensembleSize < 1 || ensembleSize > 64: throw ConfigError("ensemble size", "\(ensembleSize)", "1...64")
        case .inputNoise, .weightNoise, .priorNoise:
            if !(noiseVariance >= 0) { throw ConfigError("noise variance", "\(noiseVariance)", "≥ 0") }
            if noiseEvery < 1 { throw ConfigError("noise every", "\(noiseEvery)", "≥ 1 step") }
            if !(0...1).contains(noiseStart) || !(0...1).contains(noiseEnd) || noiseEnd < noiseStart {
                throw ConfigError("noise window", "\(noiseStart)-\(noiseEnd)", "0 ≤ start ≤ end ≤ 1")
            }
        case .swa where !(0..<1).contains(swaStart): throw ConfigError("SWA start", "\(swaStart)", "0..<1")
        case .ema where !(emaDecay > 0 && emaDecay < 1): throw ConfigError("EMA decay", "\(emaDecay)", "0 < decay < 1")
        case .mixout where !(mixoutProbability >= 0 && mixoutProbability < 1):
            throw ConfigError("mixout probability", "\(mixoutProbability)", "0 ≤ p < 1")
        case .augment:
            if augmentCopies < 1 || augmentCopies > 16 { throw ConfigError("augment copies", "\(augmentCopies)", "1...16") }
        default: break
        }
        if kind == .deniAugment && (augmentCopies < 1 || augmentCopies > 16) {
            throw ConfigError("augment copies", "\(augmentCopies)", "1...16")
        }
        if let e = epochs, e < 1 || e > 1000 { throw ConfigError("epochs", "\(e)", "1...1000") }
        if !(epochScale > 0 && epochScale <= 100) { throw ConfigError("epoch scale", "\(epochScale)", "0 < scale ≤ 100") }
        if !(0..<1).contains(warmup) { throw ConfigError("warmup", "\(warmup)", "0..<1") }
    }
}

extension DENIConfig {
    enum CodingKeys: String, CodingKey { case ensembleSize, noiseVariance, noiseScaling, noiseScope, interpolationStart, interpolationEnd, period, roundLength, anneal, ensembleStart, vote, copyOptimizer, copyLearningRate, copyDropout }
    /// Missing keys take their defaults, so configs (and sessions) written by older versions stay readable.
    public init(from decoder: Decoder) throws {
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

extension StrategyConfig {
    enum CodingKeys: String, CodingKey { case kind, deni, ensembleSize, noiseVariance, noiseEvery, noiseStart, noiseEnd, swaStart, emaDecay, emaBiasCorrection, mixoutProbability, augmentCopies, epochs, epochScale, warmup }
    /// Missing keys take their defaults, so configs (and sessions) written by older versions stay readable.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self = StrategyConfig(kind: try c.decode(StrategyKind.self, forKey: .kind))
        if let v = try c.decodeIfPresent(DENIConfig.self, forKey: .deni) { deni = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .ensembleSize) { ensembleSize = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: .noiseVariance) { noiseVariance = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .noiseEvery) { noiseEvery = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: .noiseStart) { noiseStart = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: .noiseEnd) { noiseEnd = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: .swaStart) { swaStart = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: .emaDecay) { emaDecay = v }
        if let v = try c.decodeIfPresent(Bool.self, forKey: .emaBiasCorrection) { emaBiasCorrection = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: .mixoutProbability) { mixoutProbability = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .augmentCopies) { augmentCopies = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .epochs) { epochs = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: .epochScale) { epochScale = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: .warmup) { warmup = v }
    }
}
