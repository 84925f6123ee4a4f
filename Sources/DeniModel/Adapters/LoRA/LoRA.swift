/// LoRA (Hu et al. 2021) as peft configures it for BERT: a low-rank update on each target module,
///   y = x Wᵀ + b + s · (drop(x) Aᵀ) Bᵀ          A: (r, in), B: (out, r), s = alpha / √r (rsLoRA) or alpha / r
/// A is drawn kaiming-uniform, U(±1/√in), and B is zero, so training starts from the pre-trained model. With
/// bias = all every bias of the model trains too. The computation is `LoRA.Site`; the peft folder LoRAPEFT.swift.
struct LoRA: Adapter {
    static let displayName = "LoRA"
    static let paperLearningRate = 1e-4
    static var usedSettings: [PartialKeyPath<AdapterSpec>] { [\.loraRank, \.loraAlpha, \.loraDropout, \.loraTargets, \.loraBias, \.rsLoRA] }

    static func validate(_ a: AdapterSpec, hiddenSize H: Int, hidden: String) throws {
        if a.loraRank < 1 || a.loraRank > H {
            throw ModelError("LoRA", "rank \(a.loraRank) (valid: 1...\(hidden))")
        }
        if !(a.loraAlpha > 0) { throw ModelError("LoRA", "alpha \(a.loraAlpha) (valid: > 0)") }
        if !(0..<1).contains(a.loraDropout) { throw ModelError("LoRA", "dropout \(a.loraDropout) (valid: 0 ≤ p < 1)") }
        let available = AdapterSpec.linearModules.joined(separator: ", ")
        if a.loraTargets.isEmpty { throw ModelError("LoRA", "no target modules (available: \(available))") }
        for t in a.loraTargets where !AdapterSpec.linearModules.contains(where: { $0.hasSuffix(t) }) {
            throw ModelError("LoRA", "unknown target module '\(t)' (available: \(available))")
        }
    }

    let settings: AdapterSpec
    /// The update's scale s.
    let scale: Float
    /// The encoder modules it wraps ("encoder.layer.0.attention.self.query", …).
    let wrapped: Set<String>

    init(spec: ModelSpec) {
        let a = spec.adapter
        settings = a
        scale = a.rsLoRA ? a.loraAlpha / Float(a.loraRank).squareRoot() : a.loraAlpha / Float(a.loraRank)
        var wrapped = Set<String>()
        for l in 0..<spec.config.numLayers {
            for (module, _, _) in spec.config.linearModules where Self.matches(module, a.loraTargets) {
                wrapped.insert("encoder.layer.\(l)." + module)
            }
        }
        self.wrapped = wrapped
    }

    /// peft's target matching: the module's full name equals the target or ends with "." + target.
    static func matches(_ module: String, _ targets: [String]) -> Bool {
        targets.contains { module == $0 || module.hasSuffix("." + $0) }
    }

    /// peft's bias = "all" marks every parameter whose name contains "bias" trainable.
    var trainsBaseBiases: Bool { settings.loraBias == .all }

    func siteTensors(module: String, inF: Int, outF: Int) -> [AdapterTensor] {
        guard wrapped.contains(module) else { return [] }
        let r = settings.loraRank
        return [AdapterTensor(module + ".lora_A.weight", [r, inF], .uniform(fanIn: inF)),
                AdapterTensor(module + ".lora_B.weight", [outF, r], .zeros)]
    }

    func siteAdapter(layout: ParameterLayout, module: String, inF: Int, outF: Int) -> (any SiteAdapter)? {
        guard let a = layout.id(module + ".lora_A.weight"), let b = layout.id(module + ".lora_B.weight") else { return nil }
        return Site(a: a, b: b, inF: inF, rank: settings.loraRank, scale: scale, dropout: settings.loraDropout)
    }
}
