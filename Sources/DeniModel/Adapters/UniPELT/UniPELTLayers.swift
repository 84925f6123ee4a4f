import DeniCore

extension UniPELT {
    /// UniPELT's hooks on every layer, bound to a layout's tensor ids. Rows are padded (R = B·T): the gates
    /// average over all T positions.
    struct Layers: LayerAdapter {
        let dims: UniPELT
        /// Shared prefix tensors: wte (P, H), control_trans.0 (mlp, H)/(mlp), control_trans.2 (KV, mlp)/(KV).
        let wte: Int, w1: Int, b1: Int, w2: Int, b2: Int
        /// A gated LoRA branch's A, B and gate weight and bias.
        struct Lora { let a: Int, b: Int, gw: Int, gb: Int }
        /// One layer's tensors: LoRA on query and value, the prefix gate, the bottleneck (down, up) and its gate.
        struct Layer { let q: Lora, v: Lora, pgw: Int, pgb: Int, dw: Int, db: Int, uw: Int, ub: Int, agw: Int, agb: Int }
        let layers: [Layer]

        var H: Int { dims.H }
        var P: Int { dims.P }
        var mlp: Int { dims.mlp }
        var rank: Int { dims.rank }
        var bottleneck: Int { dims.bottleneck }
        var numLayers: Int { dims.numLayers }
        var loraDropout: Float { dims.loraDropout }
        var KV: Int { dims.KV }

        init(_ u: UniPELT, layout: ParameterLayout) {
            dims = u
            let id = { (n: String) in layout.id(n)! }
            let s = UniPELT.sharedPrefix
            wte = id(s + "wte.weight"); w1 = id(s + "control_trans.0.weight"); b1 = id(s + "control_trans.0.bias")
            w2 = id(s + "control_trans.2.weight"); b2 = id(s + "control_trans.2.bias")
            layers = (0..<u.numLayers).map { l in
                func lora(_ m: String) -> Lora {
                    let p = UniPELT.loraPrefix(l, m)
                    return Lora(a: id(p + "lora_A"), b: id(p + "lora_B"), gw: id(p + "gate.weight"), gb: id(p + "gate.bias"))
                }
                let g = UniPELT.prefixGatePrefix(l), b = UniPELT.bottleneckPrefix(l)
                return Layer(q: lora("query"), v: lora("value"), pgw: id(g + "weight"), pgb: id(g + "bias"),
                             dw: id(b + "adapter_down.0.weight"), db: id(b + "adapter_down.0.bias"),
                             uw: id(b + "adapter_up.weight"), ub: id(b + "adapter_up.bias"), agw: id(b + "gate.weight"), agb: id(b + "gate.bias"))
            }
        }

        // MARK: LayerAdapter

        var prefixKeys: Int { P }

        func makeScratch(B: Int, T: Int, forTraining: Bool) -> AnyObject { Scratch(dims, B: B, T: T, forTraining: forTraining) }

        func beginForward(_ m: ModelWeights, _ scratch: AnyObject) { prefixForward(m, unsafeDowncast(scratch, to: Scratch.self)) }

        func attentionInputs(_ m: ModelWeights, _ scratch: AnyObject, layer l: Int, x: UnsafePointer<Float>, q: UnsafeMutablePointer<Float>,
                             k: UnsafePointer<Float>, v: UnsafeMutablePointer<Float>, B: Int, T: Int,
                             dropout: inout RandomStream?) -> (keys: UnsafePointer<Float>, values: UnsafePointer<Float>) {
            let w = unsafeDowncast(scratch, to: Scratch.self)
            loraForward(m, layers[l].q, w.layers[l].q, small: w.small.pointer, y: q, x: x, B: B, T: T, dropout: &dropout)
            loraForward(m, layers[l].v, w.layers[l].v, small: w.small.pointer, y: v, x: x, B: B, T: T, dropout: &dropout)
            return extendKeysValues(m, w, layer: l, x: x, k: k, v: v, B: B, T: T)
        }

        func outputForward(_ m: ModelWeights, _ scratch: AnyObject, layer l: Int, out: UnsafeMutablePointer<Float>, res2: UnsafePointer<Float>,
                           lnW: Int, lnB: Int, mean2: UnsafeMutablePointer<Float>, rstd2: UnsafeMutablePointer<Float>, eps: Float, B: Int, T: Int) {
            adapterForward(m, unsafeDowncast(scratch, to: Scratch.self), layer: l, out: out, res2: res2, lnW: lnW, lnB: lnB,
                           mean2: mean2, rstd2: rstd2, eps: eps, B: B, T: T)
        }

        /// Zeroes the prefix gradient accumulator before the layers' backward.
        func beginBackward(_ scratch: AnyObject) { unsafeDowncast(scratch, to: Scratch.self).dM.zero() }

        func outputBackward(_ m: ModelWeights, _ g: Gradients, _ scratch: AnyObject, layer l: Int, dres2: UnsafeMutablePointer<Float>,
                            dout: UnsafePointer<Float>, res2: UnsafePointer<Float>, lnW: Int, lnB: Int,
                            mean2: UnsafePointer<Float>, rstd2: UnsafePointer<Float>, B: Int, T: Int) {
            adapterBackward(m, g, unsafeDowncast(scratch, to: Scratch.self), layer: l, dres2: dres2, dout: dout, res2: res2, lnW: lnW, lnB: lnB,
                            mean2: mean2, rstd2: rstd2, B: B, T: T)
        }

        func attentionBuffers(_ scratch: AnyObject, layer l: Int)
            -> (keys: UnsafePointer<Float>, values: UnsafePointer<Float>, dK: UnsafeMutablePointer<Float>, dV: UnsafeMutablePointer<Float>) {
            let w = unsafeDowncast(scratch, to: Scratch.self), s = w.layers[l]
            return (UnsafePointer(s.kExt.pointer), UnsafePointer(s.vExt.pointer), w.dKext.pointer, w.dVext.pointer)
        }

        func attentionInputsBackward(_ m: ModelWeights, _ g: Gradients, _ scratch: AnyObject, layer l: Int, x: UnsafePointer<Float>,
                                     dq: UnsafePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>,
                                     dx: UnsafeMutablePointer<Float>?, B: Int, T: Int) {
            let w = unsafeDowncast(scratch, to: Scratch.self)
            extendBackward(m, g, w, layer: l, x: x, dk: dk, dv: dv, dx: dx, B: B, T: T)
            loraBackward(m, g, layers[l].q, w.layers[l].q, w, dy: dq, x: x, dx: dx, B: B, T: T)
            loraBackward(m, g, layers[l].v, w.layers[l].v, w, dy: dv, x: x, dx: dx, B: B, T: T)
        }

        func endBackward(_ m: ModelWeights, _ g: Gradients, _ scratch: AnyObject) {
            prefixBackward(m, g, unsafeDowncast(scratch, to: Scratch.self))
        }
    }
}
