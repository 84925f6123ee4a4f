import DeniCore
#if canImport(Glibc)
import Glibc
#endif

extension UniPELT.Layers {
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
}
