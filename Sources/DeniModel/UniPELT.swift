import DeniCore
#if canImport(Glibc)
import Glibc
#endif

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
struct UniPELT {
    let H: Int, P: Int, mlp: Int, rank: Int, bottleneck: Int, numLayers: Int
    let loraDropout: Float
    /// Shared prefix tensors: wte (P, H), control_trans.0 (mlp, H)/(mlp), control_trans.2 (KV, mlp)/(KV).
    let wte: Int, w1: Int, b1: Int, w2: Int, b2: Int
    struct Lora { let a: Int, b: Int, gw: Int, gb: Int }
    struct Layer { let q: Lora, v: Lora, pgw: Int, pgb: Int, dw: Int, db: Int, uw: Int, ub: Int, agw: Int, agb: Int }
    let layers: [Layer]
    /// Columns of M: 2 (key, value) × layers × H.
    var KV: Int { 2 * numLayers * H }

    // MARK: names

    static let name = "unipelt"
    static func loraPrefix(_ l: Int, _ module: String) -> String { "encoder.layer.\(l).attention.self.\(module).loras.\(name)." }
    static func prefixGatePrefix(_ l: Int) -> String { "encoder.layer.\(l).attention.self.prefix_tuning.prefix_gates.\(name)." }
    static func bottleneckPrefix(_ l: Int) -> String { "encoder.layer.\(l).output.adapters.\(name)." }
    static let sharedPrefix = "encoder.layer.0.attention.self.prefix_tuning.pool.prefix_tunings.\(name).self_prefix."

    /// The per-layer tensors (name, shape), in the library's order.
    static func layerTensors(_ l: Int, _ a: AdapterSpec, hidden H: Int) -> [(String, [Int])] {
        var t: [(String, [Int])] = []
        for m in ["query", "value"] {
            let p = loraPrefix(l, m)
            t += [(p + "lora_A", [a.loraRank, H]), (p + "lora_B", [H, a.loraRank]), (p + "gate.weight", [1, H]), (p + "gate.bias", [1])]
        }
        let g = prefixGatePrefix(l)
        t += [(g + "weight", [1, H]), (g + "bias", [1])]
        let b = bottleneckPrefix(l), n = a.bottleneckSize(hidden: H)
        t += [(b + "adapter_down.0.weight", [n, H]), (b + "adapter_down.0.bias", [n]), (b + "adapter_up.weight", [H, n]),
              (b + "adapter_up.bias", [H]), (b + "gate.weight", [1, H]), (b + "gate.bias", [1])]
        return t
    }

    /// The shared prefix tensors (stored once, under layer 0's name).
    static func sharedTensors(_ a: AdapterSpec, _ c: BertConfig) -> [(String, [Int])] {
        let p = sharedPrefix, H = c.hiddenSize, kv = 2 * c.numLayers * H
        return [(p + "wte.weight", [a.prefixLength, H]), (p + "control_trans.0.weight", [a.prefixHiddenSize, H]),
                (p + "control_trans.0.bias", [a.prefixHiddenSize]), (p + "control_trans.2.weight", [kv, a.prefixHiddenSize]),
                (p + "control_trans.2.bias", [kv])]
    }

    /// The library's initialisation of a UniPELT tensor (false when `t` is not one). LoRA A kaiming-uniform
    /// U(±1/√in), B zeros; LoRA and prefix gates: weight N(0, 0.02), bias nn.Linear's U(±1/√H); wte N(0, 1);
    /// control_trans weights and biases nn.Linear's U(±1/√fan_in); bottleneck weights and its gate's weight
    /// N(0, 0.02), biases 0. Drawn from `r` in layout order (torch's own draws cannot be replicated).
    static func initialise(_ t: TensorSpec, _ p: UnsafeMutableBufferPointer<Float>, spec: ModelSpec, _ r: inout RandomStream) -> Bool {
        let H = spec.config.hiddenSize
        let n = t.name
        guard n.contains(".\(name).") || n.hasSuffix(".\(name)") else { return false }
        func uniform(_ fanIn: Int) { let s = 1 / Float(fanIn).squareRoot(); r.fillUniform(p, low: -s, high: s) }
        if n.hasSuffix(".lora_A") { uniform(t.shape[1]) }
        else if n.hasSuffix(".lora_B") { p.update(repeating: 0) }
        else if n.contains(".loras.") || n.contains(".prefix_gates.") {
            if n.hasSuffix("weight") { r.fillNormal(p, std: 0.02) } else { uniform(H) }
        } else if n.hasSuffix("wte.weight") { r.fillNormal(p, std: 1) }
        else if n.contains("control_trans.0.") { uniform(H) }
        else if n.contains("control_trans.2.") { uniform(spec.adapter.prefixHiddenSize) }
        else if n.hasSuffix("weight") { r.fillNormal(p, std: 0.02) }
        else { p.update(repeating: 0) }
        return true
    }

    init?(layout: ParameterLayout) {
        let a = layout.spec.adapter, c = layout.spec.config
        guard a.kind == .unipelt else { return nil }
        H = c.hiddenSize; P = a.prefixLength; mlp = a.prefixHiddenSize; rank = a.loraRank
        bottleneck = a.bottleneckSize(hidden: H); numLayers = c.numLayers; loraDropout = a.loraDropout
        let id = { (n: String) in layout.id(n)! }
        let s = Self.sharedPrefix
        wte = id(s + "wte.weight"); w1 = id(s + "control_trans.0.weight"); b1 = id(s + "control_trans.0.bias")
        w2 = id(s + "control_trans.2.weight"); b2 = id(s + "control_trans.2.bias")
        layers = (0..<c.numLayers).map { l in
            func lora(_ m: String) -> Lora {
                let p = Self.loraPrefix(l, m)
                return Lora(a: id(p + "lora_A"), b: id(p + "lora_B"), gw: id(p + "gate.weight"), gb: id(p + "gate.bias"))
            }
            let g = Self.prefixGatePrefix(l), b = Self.bottleneckPrefix(l)
            return Layer(q: lora("query"), v: lora("value"), pgw: id(g + "weight"), pgb: id(g + "bias"),
                         dw: id(b + "adapter_down.0.weight"), db: id(b + "adapter_down.0.bias"),
                         uw: id(b + "adapter_up.weight"), ub: id(b + "adapter_up.bias"), agw: id(b + "gate.weight"), agb: id(b + "gate.bias"))
        }
    }

    // MARK: scratch

    /// A gated LoRA branch's saved activations.
    final class LoraScratch {
        let mask: FloatBuffer, u: FloatBuffer, z: FloatBuffer   // (BT, H), (BT, H), (BT, r)
        let sig: FloatBuffer, g: FloatBuffer                    // (BT), (B)
        init(BT: Int, B: Int, H: Int, r: Int) {
            mask = FloatBuffer(count: BT * H); u = FloatBuffer(count: BT * H); z = FloatBuffer(count: BT * r)
            sig = FloatBuffer(count: BT); g = FloatBuffer(count: B)
        }
    }

    /// One layer's saved activations.
    final class LayerScratch {
        let q: LoraScratch, v: LoraScratch
        let pSig: FloatBuffer, pG: FloatBuffer              // prefix gate (BT), (B)
        let kExt: FloatBuffer, vExt: FloatBuffer            // (B, P + T, H)
        let z: FloatBuffer, down: FloatBuffer, up: FloatBuffer, aSig: FloatBuffer, aG: FloatBuffer   // (BT,H), (BT,n), (BT,H), (BT), (B)
        let res3: FloatBuffer, ln3Mean: FloatBuffer, ln3Rstd: FloatBuffer                              // (BT,H), (BT), (BT)
        init(BT: Int, B: Int, Tk: Int, H: Int, r: Int, n: Int) {
            q = LoraScratch(BT: BT, B: B, H: H, r: r); v = LoraScratch(BT: BT, B: B, H: H, r: r)
            pSig = FloatBuffer(count: BT); pG = FloatBuffer(count: B)
            kExt = FloatBuffer(count: B * Tk * H); vExt = FloatBuffer(count: B * Tk * H)
            z = FloatBuffer(count: BT * H); down = FloatBuffer(count: BT * n); up = FloatBuffer(count: BT * H)
            aSig = FloatBuffer(count: BT); aG = FloatBuffer(count: B)
            res3 = FloatBuffer(count: BT * H); ln3Mean = FloatBuffer(count: BT); ln3Rstd = FloatBuffer(count: BT)
        }
    }

    /// Everything UniPELT keeps in a workspace. Evaluation workspaces share one layer scratch between layers.
    final class Scratch {
        let layers: [LayerScratch]
        let t: FloatBuffer, M: FloatBuffer                  // prefix MLP hidden (P, mlp) after tanh; prefix (P, KV)
        let small: FloatBuffer                              // (BT, max(r, n)) forward/backward scratch
        // Backward only (empty in evaluation workspaces)
        let e: FloatBuffer, d1: FloatBuffer, d2: FloatBuffer          // (BT, max(r, n)), (BT, H), (BT, H)
        let dKext: FloatBuffer, dVext: FloatBuffer                    // (B, P + T, H)
        let dM: FloatBuffer, dt: FloatBuffer                          // (P, KV), (P, mlp)
        init(_ u: UniPELT, B: Int, T: Int, forTraining: Bool) {
            let BT = B * T, Tk = T + u.P, H = u.H, w = max(u.rank, u.bottleneck)
            if forTraining {
                layers = (0..<u.numLayers).map { _ in LayerScratch(BT: BT, B: B, Tk: Tk, H: H, r: u.rank, n: u.bottleneck) }
            } else {
                layers = Array(repeating: LayerScratch(BT: BT, B: B, Tk: Tk, H: H, r: u.rank, n: u.bottleneck), count: u.numLayers)
            }
            t = FloatBuffer(count: u.P * u.mlp); M = FloatBuffer(count: u.P * u.KV); small = FloatBuffer(count: BT * w)
            let g = forTraining ? 1 : 0
            e = FloatBuffer(count: g * BT * w); d1 = FloatBuffer(count: g * BT * H); d2 = FloatBuffer(count: g * BT * H)
            dKext = FloatBuffer(count: g * B * Tk * H); dVext = FloatBuffer(count: g * B * Tk * H)
            dM = FloatBuffer(count: g * u.P * u.KV); dt = FloatBuffer(count: g * u.P * u.mlp)
        }
    }

    // MARK: gates

    /// sig[r] = sigmoid(w·x_r + b); g[b] = mean over the T rows of example b. x: (B·T, H)
    private func gateForward(_ m: ModelWeights, w: Int, b: Int, _ x: UnsafePointer<Float>, sig: UnsafeMutablePointer<Float>,
                             g: UnsafeMutablePointer<Float>, B: Int, T: Int) {
        let wp = m.pointer(w), bias = m.pointer(b)[0]
        for e in 0..<B {
            var s: Float = 0
            for t in 0..<T {
                let r = e * T + t, xr = x + r &* H
                var d = bias
                for i in 0..<H { d += wp[i] * xr[i] }
                sig[r] = 1 / (1 + expf(-d)); s += sig[r]
            }
            g[e] = s / Float(T)
        }
    }

    /// Backward of `gateForward` given dg (B): dw, db accumulate; dx (B·T, H) accumulates when non-nil.
    private func gateBackward(_ m: ModelWeights, _ gr: Gradients, w: Int, b: Int, _ x: UnsafePointer<Float>, sig: UnsafePointer<Float>,
                              dg: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, B: Int, T: Int) {
        let wp = m.pointer(w), gw = gr.pointer(w), gb = gr.pointer(b)
        for e in 0..<B {
            for t in 0..<T {
                let r = e * T + t, xr = x + r &* H
                let d = dg[e] / Float(T) * sig[r] * (1 - sig[r])
                if let gw { for i in 0..<H { gw[i] += d * xr[i] } }
                gb?[0] += d
                if let dx { let o = dx + r &* H; for i in 0..<H { o[i] += d * wp[i] } }
            }
        }
    }

    // MARK: gated LoRA

    /// y += g_b · (drop(x) Aᵀ) Bᵀ with the gate on x. x, y: (B·T, H)
    private func loraForward(_ m: ModelWeights, _ L: Lora, _ s: LoraScratch, small: UnsafeMutablePointer<Float>,
                             y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, B: Int, T: Int, dropout: inout RandomStream?) {
        let BT = B * T, n = BT * H, r = rank
        gateForward(m, w: L.gw, b: L.gb, x, sig: s.sig.pointer, g: s.g.pointer, B: B, T: T)
        if loraDropout > 0, dropout != nil {
            dropoutMask(s.mask.pointer, count: n, p: loraDropout, stream: &dropout!)
            multiply(s.u.pointer, x, s.mask.pointer, count: n)
        } else {
            s.mask.pointer.update(repeating: 1, count: n)
            s.u.pointer.update(from: x, count: n)
        }
        let z = s.z.pointer
        GEMM.sgemm(.none, .transpose, m: BT, n: r, k: H, a: s.u.pointer, lda: H, b: m.pointer(L.a), ldb: H, c: z, ldc: r)
        for row in 0..<BT { let gv = s.g[row / T]; for j in 0..<r { small[row * r + j] = gv * z[row * r + j] } }
        GEMM.sgemm(.none, .transpose, m: BT, n: H, k: r, a: small, lda: r, b: m.pointer(L.b), ldb: r, beta: 1, c: y, ldc: H)
    }

    /// Backward of `loraForward` given dy (B·T, H); dx accumulates when non-nil.
    private func loraBackward(_ m: ModelWeights, _ gr: Gradients, _ L: Lora, _ s: LoraScratch, _ w: Scratch,
                              dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, B: Int, T: Int) {
        let BT = B * T, r = rank, z = s.z.pointer, e = w.e.pointer, zs = w.small.pointer
        // e = dy B (BT, r); dg_b = Σ_rows e·z; dB += dyᵀ (g z); dz = g e
        GEMM.sgemm(.none, .none, m: BT, n: r, k: H, a: dy, lda: H, b: m.pointer(L.b), ldb: r, c: e, ldc: r)
        var dg = [Float](repeating: 0, count: B)
        for row in 0..<BT {
            let gv = s.g[row / T]
            var d: Float = 0
            for j in 0..<r { d += e[row * r + j] * z[row * r + j]; zs[row * r + j] = gv * z[row * r + j]; e[row * r + j] *= gv }
            dg[row / T] += d
        }
        if let gB = gr.pointer(L.b) {
            GEMM.sgemm(.transpose, .none, m: H, n: r, k: BT, a: dy, lda: H, b: zs, ldb: r, beta: 1, c: gB, ldc: r)
        }
        if let gA = gr.pointer(L.a) {
            GEMM.sgemm(.transpose, .none, m: r, n: H, k: BT, a: e, lda: r, b: s.u.pointer, ldb: H, beta: 1, c: gA, ldc: H)
        }
        if let dx {
            let t = w.d1.pointer, mask = s.mask.pointer
            GEMM.sgemm(.none, .none, m: BT, n: H, k: r, a: e, lda: r, b: m.pointer(L.a), ldb: H, c: t, ldc: H)
            for i in 0..<(BT * H) { dx[i] += t[i] * mask[i] }
        }
        dg.withUnsafeBufferPointer {
            gateBackward(m, gr, w: L.gw, b: L.gb, x, sig: s.sig.pointer, dg: $0.baseAddress!, dx: dx, B: B, T: T)
        }
    }

    /// Gated LoRA of layer l on query (after the query site's forward wrote y) and value.
    func queryForward(_ m: ModelWeights, _ w: Scratch, layer l: Int, y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
                      B: Int, T: Int, dropout: inout RandomStream?) {
        loraForward(m, layers[l].q, w.layers[l].q, small: w.small.pointer, y: y, x: x, B: B, T: T, dropout: &dropout)
    }
    func valueForward(_ m: ModelWeights, _ w: Scratch, layer l: Int, y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
                      B: Int, T: Int, dropout: inout RandomStream?) {
        loraForward(m, layers[l].v, w.layers[l].v, small: w.small.pointer, y: y, x: x, B: B, T: T, dropout: &dropout)
    }
    /// Backward of both LoRA branches of layer l (dq, dv: (B·T, H)); dx accumulates when non-nil.
    func loraBackward(_ m: ModelWeights, _ gr: Gradients, _ w: Scratch, layer l: Int, dq: UnsafePointer<Float>, dv: UnsafePointer<Float>,
                      x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, B: Int, T: Int) {
        loraBackward(m, gr, layers[l].q, w.layers[l].q, w, dy: dq, x: x, dx: dx, B: B, T: T)
        loraBackward(m, gr, layers[l].v, w.layers[l].v, w, dy: dv, x: x, dx: dx, B: B, T: T)
    }

    // MARK: prefix

    /// M = W2 tanh(W1 wte + b1) + b2, once per forward.
    func prefixForward(_ m: ModelWeights, _ w: Scratch) {
        let t = w.t.pointer, M = w.M.pointer
        GEMM.sgemm(.none, .transpose, m: P, n: mlp, k: H, a: m.pointer(wte), lda: H, b: m.pointer(w1), ldb: H, c: t, ldc: mlp)
        addBias(t, m.pointer(b1), rows: P, n: mlp)
        for i in 0..<(P * mlp) { t[i] = tanhf(t[i]) }
        GEMM.sgemm(.none, .transpose, m: P, n: KV, k: mlp, a: t, lda: mlp, b: m.pointer(w2), ldb: mlp, c: M, ldc: KV)
        addBias(M, m.pointer(b2), rows: P, n: KV)
    }

    /// Layer l's extended keys and values (B, P + T, H): the gated prefix, then k and v. Returns their pointers.
    func extendKeysValues(_ m: ModelWeights, _ w: Scratch, layer l: Int, x: UnsafePointer<Float>, k: UnsafePointer<Float>,
                          v: UnsafePointer<Float>, B: Int, T: Int) -> (UnsafePointer<Float>, UnsafePointer<Float>) {
        let s = w.layers[l], Tk = P + T, M = w.M.pointer
        gateForward(m, w: layers[l].pgw, b: layers[l].pgb, x, sig: s.pSig.pointer, g: s.pG.pointer, B: B, T: T)
        let ke = s.kExt.pointer, ve = s.vExt.pointer
        for b in 0..<B {
            let g = s.pG[b]
            for p in 0..<P {
                let kr = M + p * KV + 2 * l * H, vr = kr + H, ko = ke + (b * Tk + p) * H, vo = ve + (b * Tk + p) * H
                for i in 0..<H { ko[i] = g * kr[i]; vo[i] = g * vr[i] }
            }
            (ke + (b * Tk + P) * H).update(from: k + b * T * H, count: T * H)
            (ve + (b * Tk + P) * H).update(from: v + b * T * H, count: T * H)
        }
        return (UnsafePointer(ke), UnsafePointer(ve))
    }

    /// Backward of `extendKeysValues`: reads w.dKext, w.dVext; writes dk, dv (B·T, H); accumulates dM (zeroed by
    /// `beginBackward`), the gate's gradients and, when non-nil, dx.
    func extendBackward(_ m: ModelWeights, _ gr: Gradients, _ w: Scratch, layer l: Int, x: UnsafePointer<Float>,
                        dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?, B: Int, T: Int) {
        let s = w.layers[l], Tk = P + T, M = w.M.pointer, dM = w.dM.pointer, dke = w.dKext.pointer, dve = w.dVext.pointer
        var dg = [Float](repeating: 0, count: B)
        for b in 0..<B {
            let g = s.pG[b]
            var acc: Float = 0
            for p in 0..<P {
                let kr = M + p * KV + 2 * l * H, vr = kr + H, dkr = dM + p * KV + 2 * l * H, dvr = dkr + H
                let dko = dke + (b * Tk + p) * H, dvo = dve + (b * Tk + p) * H
                for i in 0..<H {
                    acc += dko[i] * kr[i] + dvo[i] * vr[i]
                    dkr[i] += g * dko[i]; dvr[i] += g * dvo[i]
                }
            }
            dg[b] = acc
            (dk + b * T * H).update(from: dke + (b * Tk + P) * H, count: T * H)
            (dv + b * T * H).update(from: dve + (b * Tk + P) * H, count: T * H)
        }
        dg.withUnsafeBufferPointer {
            gateBackward(m, gr, w: layers[l].pgw, b: layers[l].pgb, x, sig: s.pSig.pointer, dg: $0.baseAddress!, dx: dx, B: B, T: T)
        }
    }

    /// Zeroes the prefix gradient accumulator before the layers' backward.
    func beginBackward(_ w: Scratch) { w.dM.zero() }

    /// Backward of `prefixForward` from the accumulated dM (after every layer's `extendBackward`).
    func prefixBackward(_ m: ModelWeights, _ gr: Gradients, _ w: Scratch) {
        let t = w.t.pointer, dM = w.dM.pointer, dt = w.dt.pointer
        if let g = gr.pointer(b2) { biasBackward(g, dM, rows: P, n: KV) }
        if let g = gr.pointer(w2) {
            GEMM.sgemm(.transpose, .none, m: KV, n: mlp, k: P, a: dM, lda: KV, b: t, ldb: mlp, beta: 1, c: g, ldc: mlp)
        }
        GEMM.sgemm(.none, .none, m: P, n: mlp, k: KV, a: dM, lda: KV, b: m.pointer(w2), ldb: mlp, c: dt, ldc: mlp)
        for i in 0..<(P * mlp) { dt[i] *= 1 - t[i] * t[i] }
        if let g = gr.pointer(b1) { biasBackward(g, dt, rows: P, n: mlp) }
        if let g = gr.pointer(w1) {
            GEMM.sgemm(.transpose, .none, m: mlp, n: H, k: P, a: dt, lda: mlp, b: m.pointer(wte), ldb: H, beta: 1, c: g, ldc: H)
        }
        if let g = gr.pointer(wte) {
            GEMM.sgemm(.none, .none, m: P, n: H, k: mlp, a: dt, lda: mlp, b: m.pointer(w1), ldb: H, beta: 1, c: g, ldc: H)
        }
    }

    // MARK: bottleneck adapter

    /// out = LN2(g_a · Up(relu(Down(z))) + res2) with z = LN2(res2) (LN2's statistics of z go to mean2/rstd2).
    func adapterForward(_ m: ModelWeights, _ w: Scratch, layer l: Int, out: UnsafeMutablePointer<Float>, res2: UnsafePointer<Float>,
                        lnW: Int, lnB: Int, mean2: UnsafeMutablePointer<Float>, rstd2: UnsafeMutablePointer<Float>, eps: Float, B: Int, T: Int) {
        let s = w.layers[l], L = layers[l], BT = B * T, n = bottleneck
        let z = s.z.pointer, down = s.down.pointer, up = s.up.pointer, res3 = s.res3.pointer
        layerNormForward(z, mean2, rstd2, res2, m.pointer(lnW), m.pointer(lnB), rows: BT, n: H, eps: eps)
        gateForward(m, w: L.agw, b: L.agb, z, sig: s.aSig.pointer, g: s.aG.pointer, B: B, T: T)
        GEMM.sgemm(.none, .transpose, m: BT, n: n, k: H, a: z, lda: H, b: m.pointer(L.dw), ldb: H, c: down, ldc: n)
        addBias(down, m.pointer(L.db), rows: BT, n: n)
        for i in 0..<(BT * n) { down[i] = max(down[i], 0) }
        GEMM.sgemm(.none, .transpose, m: BT, n: H, k: n, a: down, lda: n, b: m.pointer(L.uw), ldb: n, c: up, ldc: H)
        addBias(up, m.pointer(L.ub), rows: BT, n: H)
        for row in 0..<BT {
            let g = s.aG[row / T], o = res3 + row * H, u = up + row * H, r = res2 + row * H
            for i in 0..<H { o[i] = g * u[i] + r[i] }
        }
        layerNormForward(out, s.ln3Mean.pointer, s.ln3Rstd.pointer, res3, m.pointer(lnW), m.pointer(lnB), rows: BT, n: H, eps: eps)
    }

    /// Backward of `adapterForward`: dres2 (written) from dout; LN2's parameter gradients accumulate (both uses).
    func adapterBackward(_ m: ModelWeights, _ gr: Gradients, _ w: Scratch, layer l: Int, dres2: UnsafeMutablePointer<Float>,
                         dout: UnsafePointer<Float>, res2: UnsafePointer<Float>, lnW: Int, lnB: Int,
                         mean2: UnsafePointer<Float>, rstd2: UnsafePointer<Float>, B: Int, T: Int) {
        let s = w.layers[l], L = layers[l], BT = B * T, n = bottleneck
        let d1 = w.d1.pointer, d2 = w.d2.pointer, e = w.e.pointer, up = s.up.pointer, down = s.down.pointer, z = s.z.pointer
        layerNormBackward(d1, gr.pointer(lnW), gr.pointer(lnB), dout, s.res3.pointer, m.pointer(lnW), s.ln3Mean.pointer, s.ln3Rstd.pointer, rows: BT, n: H)
        // res3 = g·up + res2: dg_b = Σ d1·up; dup = g d1 (in d2)
        var dg = [Float](repeating: 0, count: B)
        for row in 0..<BT {
            let g = s.aG[row / T], d = d1 + row * H, u = up + row * H, o = d2 + row * H
            var acc: Float = 0
            for i in 0..<H { acc += d[i] * u[i]; o[i] = g * d[i] }
            dg[row / T] += acc
        }
        if let g = gr.pointer(L.ub) { biasBackward(g, d2, rows: BT, n: H) }
        if let g = gr.pointer(L.uw) {
            GEMM.sgemm(.transpose, .none, m: H, n: n, k: BT, a: d2, lda: H, b: down, ldb: n, beta: 1, c: g, ldc: n)
        }
        GEMM.sgemm(.none, .none, m: BT, n: n, k: H, a: d2, lda: H, b: m.pointer(L.uw), ldb: n, c: e, ldc: n)
        for i in 0..<(BT * n) where down[i] <= 0 { e[i] = 0 }
        if let g = gr.pointer(L.db) { biasBackward(g, e, rows: BT, n: n) }
        if let g = gr.pointer(L.dw) {
            GEMM.sgemm(.transpose, .none, m: n, n: H, k: BT, a: e, lda: n, b: z, ldb: H, beta: 1, c: g, ldc: H)
        }
        // dz = e Wd (+ the gate's path), then through the first LN2
        GEMM.sgemm(.none, .none, m: BT, n: H, k: n, a: e, lda: n, b: m.pointer(L.dw), ldb: H, c: d2, ldc: H)
        dg.withUnsafeBufferPointer {
            gateBackward(m, gr, w: L.agw, b: L.agb, z, sig: s.aSig.pointer, dg: $0.baseAddress!, dx: d2, B: B, T: T)
        }
        layerNormBackward(dres2, gr.pointer(lnW), gr.pointer(lnB), d2, res2, m.pointer(lnW), mean2, rstd2, rows: BT, n: H)
        for i in 0..<(BT * H) { dres2[i] += d1[i] }
    }
}

extension AdapterSpec {
    /// The bottleneck adapter's width: hidden size / reduction factor (rounded down, as `adapters` does).
    public func bottleneckSize(hidden: Int) -> Int { hidden / reductionFactor }
}
