/// What the classifier reads: the pooler ([CLS] → dense + tanh), the raw [CLS] state, or the masked mean.
public enum Pooling: String, Codable, CaseIterable, Sendable { case pooler, cls, mean }

/// How the encoder is adapted. Full fine-tuning, LoRA and IA3 are configs over one model (peft's shape:
/// a config value, a layer wrapper — `LinearSite` — and an injector — `ParameterLayout`). UniPELT (the
/// `adapters` library's union of gated LoRA on query/value, gated prefix tuning and a gated bottleneck adapter;
/// see `UniPELT`) uses loraRank and loraDropout (not alpha: the gate replaces the scaling), prefixLength,
/// prefixHiddenSize and reductionFactor.
public struct AdapterSpec: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, CaseIterable, Sendable { case full, lora, ia3, unipelt }
    public enum Bias: String, Codable, CaseIterable, Sendable { case none, all, loraOnly = "lora_only" }

    public var kind: Kind = .full
    public var loraRank = 64
    public var loraAlpha: Float = 64
    public var loraDropout: Float = 0.1
    /// Module suffixes LoRA wraps (peft's matching: a module whose name ends with the target).
    public var loraTargets = ["query", "value"]
    public var loraBias = Bias.all
    /// Rank-stabilised scaling alpha / sqrt(r) (otherwise alpha / r).
    public var rsLoRA = true
    /// UniPELT: prefix length (virtual tokens per layer), width of the prefix reparametrisation MLP, and the
    /// bottleneck adapter's reduction factor (width = hidden size / factor).
    public var prefixLength = 25
    public var prefixHiddenSize = 512
    public var reductionFactor = 16
    /// The pooler is trained under full fine-tuning and frozen under PEFT by default.
    public var poolerTrainable: Bool? = nil

    public init(kind: Kind = .full) { self.kind = kind }

    public var isPoolerTrainable: Bool { poolerTrainable ?? (kind == .full) }

    /// Module names a user can target (per layer).
    public static let linearModules = ["query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense"]

    enum CodingKeys: String, CodingKey {
        case kind, loraRank, loraAlpha, loraDropout, loraTargets, loraBias, rsLoRA, prefixLength, prefixHiddenSize, reductionFactor, poolerTrainable
    }

    /// Missing keys take their defaults: configs written before a setting existed (every session's
    /// `tuning` object, whose older form had only kind and the LoRA settings) read as they always did.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        if let v = try c.decodeIfPresent(Kind.self, forKey: .kind) { kind = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .loraRank) { loraRank = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: .loraAlpha) { loraAlpha = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: .loraDropout) { loraDropout = v }
        if let v = try c.decodeIfPresent([String].self, forKey: .loraTargets) { loraTargets = v }
        if let v = try c.decodeIfPresent(Bias.self, forKey: .loraBias) { loraBias = v }
        if let v = try c.decodeIfPresent(Bool.self, forKey: .rsLoRA) { rsLoRA = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .prefixLength) { prefixLength = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .prefixHiddenSize) { prefixHiddenSize = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .reductionFactor) { reductionFactor = v }
        if let v = try c.decodeIfPresent(Bool.self, forKey: .poolerTrainable) { poolerTrainable = v }
    }
}

/// Everything that fixes the parameter layout and the computation of a classifier.
public struct ModelSpec: Hashable, Sendable {
    public var config: BertConfig
    public var adapter: AdapterSpec
    public var numLabels: Int
    public var pooling: Pooling
    /// Dropout before the classifier head (the paper: 0.3).
    public var headDropout: Float

    public init(config: BertConfig, adapter: AdapterSpec = AdapterSpec(), numLabels: Int, pooling: Pooling = .pooler, headDropout: Float = 0.3) {
        self.config = config; self.adapter = adapter; self.numLabels = numLabels; self.pooling = pooling; self.headDropout = headDropout
    }

    /// Refuses impossible adapter settings before any allocation, naming the parameter.
    public func validate() throws {
        if numLabels < 2 { throw ModelError("model spec", "number of labels \(numLabels) (need at least 2)") }
        if !(0..<1).contains(headDropout) { throw ModelError("model spec", "head dropout \(headDropout) (valid: 0 ≤ p < 1)") }
        try adapter.validate(hiddenSize: config.hiddenSize)
    }
}

extension AdapterSpec {
    /// Refuses impossible adapter settings, naming the parameter and the valid range. Ranks and reduction
    /// factors are bounded by the model's hidden size when it is known (nil: only the lower bounds are checked,
    /// as a config is before a model is chosen).
    public func validate(hiddenSize: Int?) throws {
        let H = hiddenSize ?? Int.max
        let hidden = hiddenSize.map { "\($0), the hidden size" } ?? "the hidden size"
        if kind == .lora {
            if loraRank < 1 || loraRank > H {
                throw ModelError("LoRA", "rank \(loraRank) (valid: 1...\(hidden))")
            }
            if !(loraAlpha > 0) { throw ModelError("LoRA", "alpha \(loraAlpha) (valid: > 0)") }
            if !(0..<1).contains(loraDropout) { throw ModelError("LoRA", "dropout \(loraDropout) (valid: 0 ≤ p < 1)") }
            if loraTargets.isEmpty { throw ModelError("LoRA", "no target modules (available: \(AdapterSpec.linearModules.joined(separator: ", ")))") }
            for t in loraTargets where !AdapterSpec.linearModules.contains(where: { $0.hasSuffix(t) }) {
                throw ModelError("LoRA", "unknown target module '\(t)' (available: \(AdapterSpec.linearModules.joined(separator: ", ")))")
            }
        }
        if kind == .unipelt {
            if loraRank < 1 || loraRank > H {
                throw ModelError("UniPELT", "LoRA rank \(loraRank) (valid: 1...\(hidden))")
            }
            if !(0..<1).contains(loraDropout) { throw ModelError("UniPELT", "LoRA dropout \(loraDropout) (valid: 0 ≤ p < 1)") }
            if prefixLength < 1 { throw ModelError("UniPELT", "prefix length \(prefixLength) (valid: ≥ 1)") }
            if prefixHiddenSize < 1 { throw ModelError("UniPELT", "prefix MLP width \(prefixHiddenSize) (valid: ≥ 1)") }
            if reductionFactor < 1 || reductionFactor > H {
                throw ModelError("UniPELT", "reduction factor \(reductionFactor) (valid: 1...\(hidden))")
            }
        }
    }
}
