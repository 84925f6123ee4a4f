import DeniCore

extension UniPELT.Layers {
    /// y += g_b · (drop(x) Aᵀ) Bᵀ with the gate on x. x, y: (B·T, H)
    func loraForward(_ m: ModelWeights, _ L: Lora, _ s: LoraScratch, small: UnsafeMutablePointer<Float>,
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
    func loraBackward(_ m: ModelWeights, _ gr: Gradients, _ L: Lora, _ s: LoraScratch, _ w: Scratch,
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
}
