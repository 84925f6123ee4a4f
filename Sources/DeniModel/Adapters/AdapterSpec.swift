/// How the encoder is adapted: full fine-tuning, or an adapter (Adapters/: LoRA, IA3, UniPELT) with its settings.
/// The settings are flat (one Codable value for every kind, as configs and sessions store it); each adapter
/// reads its own (`Adapter.usedSettings`): LoRA rank, alpha, dropout, targets, bias and rsLoRA; UniPELT rank and
/// dropout (not alpha: its gate replaces the scaling), prefix length, prefix MLP width and reduction factor.
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

    /// The keys of a `tuning` object (a config refuses any other).
    public static var settingKeys: [String] { CodingKeys.allCases.map(\.rawValue) }

    enum CodingKeys: String, CodingKey, CaseIterable {
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

// MARK: the registry

extension AdapterSpec.Kind {
    /// The adapter type of each kind (nil: full fine-tuning trains the model itself, no adapter). Adding an
    /// adapter: a case above (and any new setting in `AdapterSpec`), its folder under Adapters/, and a line here.
    var adapterType: (any Adapter.Type)? {
        switch self {
        case .full: nil
        case .lora: LoRA.self
        case .ia3: IA3.self
        case .unipelt: UniPELT.self
        }
    }

    /// How reports and titles name it.
    public var displayName: String { adapterType?.displayName ?? "full fine-tuning" }

    /// The paper's learning rate for this tuning kind (BERT values, METHOD.md).
    public var paperLearningRate: Double { adapterType?.paperLearningRate ?? 1e-5 }
}

extension AdapterSpec {
    /// Whether this kind's adapter reads `setting` (`\.loraRank`); full fine-tuning reads none.
    public func uses(_ setting: PartialKeyPath<AdapterSpec>) -> Bool {
        kind.adapterType?.usedSettings.contains(setting) ?? false
    }

    /// Refuses impossible adapter settings, naming the parameter and the valid range. Ranks and reduction
    /// factors are bounded by the model's hidden size when it is known (nil: only the lower bounds are checked,
    /// as a config is before a model is chosen).
    public func validate(hiddenSize: Int?) throws {
        try kind.adapterType?.validate(self, hiddenSize: hiddenSize ?? Int.max,
                                       hidden: hiddenSize.map { "\($0), the hidden size" } ?? "the hidden size")
    }

    /// The adapter of `spec` (nil for full fine-tuning).
    static func adapter(of spec: ModelSpec) -> (any Adapter)? { spec.adapter.kind.adapterType.map { $0.init(spec: spec) } }
}
