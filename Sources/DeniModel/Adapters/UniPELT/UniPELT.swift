/// UniPELT as the `adapters` library (1.3.0) builds it: a union of gated LoRA on query and value, gated
/// prefix tuning with its MLP reparametrisation and a gated sequential (Pfeiffer) bottleneck adapter. The base
/// model is frozen. Tensor names are the library's, adapter name "unipelt" (see docs/reference.md).
///
/// Every gate is one scalar per example: g = mean over all T positions (padding included) of sigmoid(w·x_t + b).
/// Per layer (x = layer input):
///   q = Wq x + bq + g_q · (drop(x) Aᵀ) Bᵀ,  v likewise with g_v  (no alpha/r scaling: the gate replaces it)
///   keys = [g_p · K_pre ; k], values = [g_p · V_pre ; v]  (prefix first, always attended)
///   z = LN2(h + a);  u = Wu relu(Wd z + bd) + bu;  out = LN2(g_a · u + h + a)  (h + a = res2, LN2 used twice)
/// The prefix M = W2 tanh(W1 wte + b1) + b2 (P, 2·layers·H) is computed once per forward; layer l's keys are the
/// columns [2l·H, (2l+1)·H) of M, its values the next H columns.
///
/// This file: settings, tensors and their initialisation. The computation: `UniPELT.Layers` (UniPELTLayers.swift)
/// over gates, gated LoRA, the prefix and the bottleneck adapter (one file each); its scratch UniPELTScratch.swift.
/// peft has no UniPELT: there is no peft folder for it.
struct UniPELT: Adapter {
    static let displayName = "UniPELT"
    static let paperLearningRate = 1e-4
    static var usedSettings: [PartialKeyPath<AdapterSpec>] { [\.loraRank, \.loraDropout, \.prefixLength, \.prefixHiddenSize, \.reductionFactor] }

    static func validate(_ a: AdapterSpec, hiddenSize H: Int, hidden: String) throws {
        if a.loraRank < 1 || a.loraRank > H {
            throw ModelError("UniPELT", "LoRA rank \(a.loraRank) (valid: 1...\(hidden))")
        }
        if !(0..<1).contains(a.loraDropout) { throw ModelError("UniPELT", "LoRA dropout \(a.loraDropout) (valid: 0 ≤ p < 1)") }
        if a.prefixLength < 1 { throw ModelError("UniPELT", "prefix length \(a.prefixLength) (valid: ≥ 1)") }
        if a.prefixHiddenSize < 1 { throw ModelError("UniPELT", "prefix MLP width \(a.prefixHiddenSize) (valid: ≥ 1)") }
        if a.reductionFactor < 1 || a.reductionFactor > H {
            throw ModelError("UniPELT", "reduction factor \(a.reductionFactor) (valid: 1...\(hidden))")
        }
    }

    /// Hidden size, prefix length P, prefix MLP width, LoRA rank, bottleneck width, layers.
    let H: Int, P: Int, mlp: Int, rank: Int, bottleneck: Int, numLayers: Int
    let loraDropout: Float
    /// Columns of M: 2 (key, value) × layers × H.
    var KV: Int { 2 * numLayers * H }

    init(spec: ModelSpec) {
        let a = spec.adapter, c = spec.config
        H = c.hiddenSize; P = a.prefixLength; mlp = a.prefixHiddenSize; rank = a.loraRank
        bottleneck = a.bottleneckSize(hidden: H); numLayers = c.numLayers; loraDropout = a.loraDropout
    }

    // MARK: names

    static let name = "unipelt"
    static func loraPrefix(_ l: Int, _ module: String) -> String { "encoder.layer.\(l).attention.self.\(module).loras.\(name)." }
    static func prefixGatePrefix(_ l: Int) -> String { "encoder.layer.\(l).attention.self.prefix_tuning.prefix_gates.\(name)." }
    static func bottleneckPrefix(_ l: Int) -> String { "encoder.layer.\(l).output.adapters.\(name)." }
    static let sharedPrefix = "encoder.layer.0.attention.self.prefix_tuning.pool.prefix_tunings.\(name).self_prefix."

    // MARK: tensors

    /// Layer l's tensors in the library's order, after the shared prefix tensors (stored once, under layer 0's
    /// name). The library's initialisation, drawn in this order (torch's own draws cannot be replicated): LoRA A
    /// kaiming-uniform U(±1/√in), B zeros; LoRA and prefix gates: weight N(0, 0.02), bias nn.Linear's U(±1/√H);
    /// wte N(0, 1); control_trans weights and biases nn.Linear's U(±1/√fan_in); bottleneck weights and its gate's
    /// weight N(0, 0.02), biases 0.
    func layerTensors(layer l: Int) -> [AdapterTensor] {
        var t: [AdapterTensor] = []
        if l == 0 {
            let p = Self.sharedPrefix
            t += [AdapterTensor(p + "wte.weight", [P, H], .normal(std: 1)),
                  AdapterTensor(p + "control_trans.0.weight", [mlp, H], .uniform(fanIn: H)),
                  AdapterTensor(p + "control_trans.0.bias", [mlp], .uniform(fanIn: H)),
                  AdapterTensor(p + "control_trans.2.weight", [KV, mlp], .uniform(fanIn: mlp)),
                  AdapterTensor(p + "control_trans.2.bias", [KV], .uniform(fanIn: mlp))]
        }
        for m in ["query", "value"] {
            let p = Self.loraPrefix(l, m)
            t += [AdapterTensor(p + "lora_A", [rank, H], .uniform(fanIn: H)), AdapterTensor(p + "lora_B", [H, rank], .zeros),
                  AdapterTensor(p + "gate.weight", [1, H], .normal(std: 0.02)), AdapterTensor(p + "gate.bias", [1], .uniform(fanIn: H))]
        }
        let g = Self.prefixGatePrefix(l)
        t += [AdapterTensor(g + "weight", [1, H], .normal(std: 0.02)), AdapterTensor(g + "bias", [1], .uniform(fanIn: H))]
        let b = Self.bottleneckPrefix(l), n = bottleneck
        t += [AdapterTensor(b + "adapter_down.0.weight", [n, H], .normal(std: 0.02)), AdapterTensor(b + "adapter_down.0.bias", [n], .zeros),
              AdapterTensor(b + "adapter_up.weight", [H, n], .normal(std: 0.02)), AdapterTensor(b + "adapter_up.bias", [H], .zeros),
              AdapterTensor(b + "gate.weight", [1, H], .normal(std: 0.02)), AdapterTensor(b + "gate.bias", [1], .zeros)]
        return t
    }

    func layerAdapter(layout: ParameterLayout) -> (any LayerAdapter)? { Layers(self, layout: layout) }
}

extension AdapterSpec {
    /// UniPELT's bottleneck adapter's width: hidden size / reduction factor (rounded down, as `adapters` does).
    public func bottleneckSize(hidden: Int) -> Int { hidden / reductionFactor }
}
