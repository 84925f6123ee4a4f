import DeniCore

/// One linear module of the encoder with its optional adapter (peft's "layer wrapper").
///
///   plain:   y = x Wᵀ + b
///   LoRA:    y = x Wᵀ + b + s · (drop(x) Aᵀ) Bᵀ          A: (r, in), B: (out, r), s = alpha / sqrt(r)
///   IA3 out: y = (x Wᵀ + b) ⊙ l                          l: (out)
///   IA3 in:  y = (x ⊙ l) Wᵀ + b                          l: (in)   (feed-forward modules)
/// Frozen W gets no weight-gradient GEMM; only the activation gradient flows through it.
struct LinearSite {
    let inF: Int, outF: Int
    let w: Int, b: Int
    let loraA: Int?, loraB: Int?
    let loraRank: Int, loraScale: Float, loraDropout: Float
    let ia3: Int?, ia3OnInput: Bool
    /// Index of this site's scratch in the workspace.
    let slot: Int

    init(layout: ParameterLayout, module: String, inF: Int, outF: Int, slot: Int) {
        self.inF = inF; self.outF = outF; self.slot = slot
        w = layout.id(module + ".weight")!; b = layout.id(module + ".bias")!
        loraA = layout.id(module + ".lora_A.weight"); loraB = layout.id(module + ".lora_B.weight")
        let a = layout.spec.adapter
        loraRank = a.loraRank
        loraScale = a.rsLoRA ? a.loraAlpha / Float(a.loraRank).squareRoot() : a.loraAlpha / Float(a.loraRank)
        loraDropout = a.loraDropout
        ia3 = layout.id(module + ".ia3_l")
        ia3OnInput = module.hasSuffix("output.dense")
    }

    /// Per-site saved activations for backward.
    final class Scratch {
        var u: FloatBuffer?      // LoRA: dropout(x) (rows, in)
        var mask: FloatBuffer?   // LoRA dropout mask (rows, in)
        var z: FloatBuffer?      // LoRA: u Aᵀ (rows, r)
        var saved: FloatBuffer?  // IA3 out: pre-scale output (rows, out); IA3 in: x ⊙ l (rows, in)
        init() {}
    }

    /// Scratch for `rows` rows; an evaluation workspace (`forTraining` false) keeps no LoRA input copy or mask.
    func makeScratch(rows: Int, forTraining: Bool = true) -> Scratch {
        let s = Scratch()
        if loraA != nil {
            if forTraining { s.u = FloatBuffer(count: rows * inF); s.mask = FloatBuffer(count: rows * inF) }
            s.z = FloatBuffer(count: rows * loraRank)
        }
        // IA3: the scaled input (every workspace: the product reads it) or the unscaled output (backward only).
        if ia3 != nil && (ia3OnInput || forTraining) { s.saved = FloatBuffer(count: rows * (ia3OnInput ? inF : outF)) }
        return s
    }

    /// y = site(x) over the layout's rows (LoRA's dropout mask is drawn as `RowLayout.dropoutRows` draws it).
    /// x: (R, in), y: (R, out)
    func forward(_ m: ModelWeights, _ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows rl: RowLayout,
                 scratch s: Scratch, dropout: inout RandomStream?) {
        let rows = rl.R
        var input = x
        if let l = ia3, ia3OnInput {
            let xs = s.saved!.pointer
            scaleColumns(xs, x, m.pointer(l), rows: rows, n: inF)
            input = UnsafePointer(xs)
        }
        GEMM.sgemm(.none, .transpose, m: rows, n: outF, k: inF, a: input, lda: inF, b: m.pointer(w), ldb: inF, c: y, ldc: outF)
        addBias(y, m.pointer(b), rows: rows, n: outF)
        if let l = ia3, !ia3OnInput {
            s.saved?.pointer.update(from: y, count: rows * outF)   // the unscaled output, for backward
            scaleColumns(y, y, m.pointer(l), rows: rows, n: outF)
        }
        if let a = loraA, let bB = loraB {
            let z = s.z!.pointer, n = rows * inF
            var u = x
            if let ub = s.u, let mask = s.mask {
                // Training workspace: keep drop(x) and the mask for backward.
                if loraDropout > 0, dropout != nil {
                    rl.dropoutRows(mask.pointer, width: inF, p: loraDropout, stream: &dropout!)
                    multiply(ub.pointer, x, mask.pointer, count: n)
                } else {
                    mask.pointer.update(repeating: 1, count: n)
                    ub.pointer.update(from: x, count: n)
                }
                u = UnsafePointer(ub.pointer)
            }
            // z = u Aᵀ  (rows, r);  y += s · z Bᵀ  (rows, out)
            GEMM.sgemm(.none, .transpose, m: rows, n: loraRank, k: inF, a: u, lda: inF, b: m.pointer(a), ldb: inF, c: z, ldc: loraRank)
            GEMM.sgemm(.none, .transpose, m: rows, n: outF, k: loraRank, alpha: loraScale, a: z, lda: loraRank,
                       b: m.pointer(bB), ldb: loraRank, beta: 1, c: y, ldc: outF)
        }
    }

    /// Backward of `forward`. dy: (rows, out) (may be modified in place); x: (rows, in) the forward input;
    /// dx: (rows, in) written when `accumulate` is false, added to otherwise; nil skips the input gradient.
    /// `tmp` is scratch of at least rows × max(in, out).
    func backward(_ m: ModelWeights, _ g: Gradients, dy: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
                  dx: UnsafeMutablePointer<Float>?, accumulate: Bool, rows: Int, scratch s: Scratch, tmp: UnsafeMutablePointer<Float>) {
        // LoRA branch first (it reads dy before any IA3 rescaling; LoRA and IA3 never share a site).
        if let a = loraA, let bB = loraB {
            let u = s.u!.pointer, z = s.z!.pointer
            // dB += s · dyᵀ z  (out, r)
            if let gB = g.pointer(bB) {
                GEMM.sgemm(.transpose, .none, m: outF, n: loraRank, k: rows, alpha: loraScale, a: dy, lda: outF, b: z, ldb: loraRank, beta: 1, c: gB, ldc: loraRank)
            }
            // dz = s · dy B  (rows, r) — kept in the z buffer (z no longer needed after dB)
            let dz = tmp
            GEMM.sgemm(.none, .none, m: rows, n: loraRank, k: outF, alpha: loraScale, a: dy, lda: outF, b: m.pointer(bB), ldb: loraRank, c: dz, ldc: loraRank)
            // dA += dzᵀ u  (r, in)
            if let gA = g.pointer(a) {
                GEMM.sgemm(.transpose, .none, m: loraRank, n: inF, k: rows, a: dz, lda: loraRank, b: u, ldb: inF, beta: 1, c: gA, ldc: inF)
            }
            z.update(from: dz, count: rows * loraRank)
            if let dx {
                // dx (+)= (dz A) ⊙ mask — computed after the base path below writes/accumulates dx.
                defer {
                    GEMM.sgemm(.none, .none, m: rows, n: inF, k: loraRank, a: z, lda: loraRank, b: m.pointer(a), ldb: inF, c: tmp, ldc: inF)
                    multiplyAdd(dx, tmp, s.mask!.pointer, nil, count: rows * inF)
                }
                baseBackward(m, g, dy: dy, input: x, dx: dx, accumulate: accumulate, rows: rows)
                return
            }
        }
        if let l = ia3, !ia3OnInput {
            // y = pre ⊙ l: dl += Σ_rows dy ⊙ pre; dpre = dy ⊙ l
            let pre = s.saved!.pointer
            if let gl = g.pointer(l) { columnDots(gl, dy, pre, rows: rows, n: outF) }
            scaleColumns(dy, dy, m.pointer(l), rows: rows, n: outF)
        }
        if let l = ia3, ia3OnInput {
            // y = (x ⊙ l) Wᵀ + b: dxs = dy W; dl += Σ_rows dxs ⊙ x; dx (+)= dxs ⊙ l; dW += dyᵀ xs
            let xs = s.saved!.pointer, lp = m.pointer(l)
            baseBackward(m, g, dy: dy, input: UnsafePointer(xs), dx: tmp, accumulate: false, rows: rows)
            if let gl = g.pointer(l) { columnDots(gl, tmp, x, rows: rows, n: inF) }
            if let dx { scaleColumns(dx, tmp, lp, rows: rows, n: inF, accumulate: accumulate) }
            return
        }
        baseBackward(m, g, dy: dy, input: x, dx: dx, accumulate: accumulate, rows: rows)
    }

    /// The plain linear backward: db += Σ dy; dW += dyᵀ input (if trainable); dx (+)= dy W.
    private func baseBackward(_ m: ModelWeights, _ g: Gradients, dy: UnsafePointer<Float>, input: UnsafePointer<Float>,
                              dx: UnsafeMutablePointer<Float>?, accumulate: Bool, rows: Int) {
        if let gb = g.pointer(b) { biasBackward(gb, dy, rows: rows, n: outF) }
        if let gw = g.pointer(w) {
            GEMM.sgemm(.transpose, .none, m: outF, n: inF, k: rows, a: dy, lda: outF, b: input, ldb: inF, beta: 1, c: gw, ldc: inF)
        }
        if let dx {
            GEMM.sgemm(.none, .none, m: rows, n: inF, k: outF, a: dy, lda: outF, b: m.pointer(w), ldb: inF,
                       beta: accumulate ? 1 : 0, c: dx, ldc: inF)
        }
    }
}
