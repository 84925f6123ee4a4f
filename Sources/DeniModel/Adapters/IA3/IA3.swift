/// IA3 (Liu et al. 2022) as peft configures it for BERT: a learned vector scales key, value and output.dense
/// (which also matches attention.output.dense); the output.dense modules are feed-forward modules and scale
/// their input:
///   output sites:  y = (x Wᵀ + b) ⊙ l          l: (out)     key, value
///   input sites:   y = (x ⊙ l) Wᵀ + b          l: (in)      attention.output.dense, output.dense
/// Vectors start at ones (the pre-trained model). The computation is `IA3.Site`; the peft folder IA3PEFT.swift.
struct IA3: Adapter {
    static let displayName = "IA3"
    static let paperLearningRate = 7.5e-3
    static var usedSettings: [PartialKeyPath<AdapterSpec>] { [] }
    static func validate(_ a: AdapterSpec, hiddenSize: Int, hidden: String) throws {}

    init(spec: ModelSpec) {}

    /// Whether `module` is scaled, and on which side: nil when it is not an IA3 target, else whether the
    /// vector scales the input.
    static func scalesInput(_ module: String) -> Bool? {
        if module.hasSuffix("key") || module.hasSuffix("value") { return false }
        if module.hasSuffix("output.dense") { return true }
        return nil
    }

    func siteTensors(module: String, inF: Int, outF: Int) -> [AdapterTensor] {
        guard let onInput = Self.scalesInput(module) else { return [] }
        return [AdapterTensor(module + ".ia3_l", [onInput ? inF : outF], .ones)]
    }

    func siteAdapter(layout: ParameterLayout, module: String, inF: Int, outF: Int) -> (any SiteAdapter)? {
        guard let l = layout.id(module + ".ia3_l"), let onInput = Self.scalesInput(module) else { return nil }
        return Site(l: l, onInput: onInput, width: onInput ? inF : outF)
    }
}
