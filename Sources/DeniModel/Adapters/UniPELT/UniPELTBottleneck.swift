import DeniCore

extension UniPELT.Layers {
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
