import DeniCore

/// One linear module of the encoder, y = x Wᵀ + b, with the adapter's wrapper when one wraps it (LoRA, IA3:
/// `SiteAdapter`, which runs the whole site around the plain pieces below).
/// Frozen W gets no weight-gradient GEMM; only the activation gradient flows through it.
struct LinearSite {
    let inF: Int, outF: Int
    let w: Int, b: Int
    /// Index of this site's scratch in the workspace.
    let slot: Int
    let adapter: (any SiteAdapter)?

    init(layout: ParameterLayout, module: String, inF: Int, outF: Int, slot: Int) {
        self.inF = inF; self.outF = outF; self.slot = slot
        w = layout.id(module + ".weight")!; b = layout.id(module + ".bias")!
        adapter = layout.adapter?.siteAdapter(layout: layout, module: module, inF: inF, outF: outF)
    }

    /// The adapter's scratch for `rows` rows (nil for a plain site).
    func makeScratch(rows: Int, forTraining: Bool) -> AnyObject? { adapter?.makeScratch(rows: rows, forTraining: forTraining) }

    /// y = site(x) over the layout's rows. x: (R, in), y: (R, out)
    func forward(_ m: ModelWeights, _ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows rl: RowLayout,
                 scratch: AnyObject?, dropout: inout RandomStream?) {
        if let adapter {
            adapter.forward(self, m, y, x, rows: rl, scratch: scratch!, dropout: &dropout)
        } else {
            plainForward(m, y, x, rows: rl.R)
        }
    }

    /// Backward of `forward`. dy: (rows, out) (may be modified in place); x: (rows, in) the forward input;
    /// dx: (rows, in) written when `accumulate` is false, added to otherwise; nil skips the input gradient.
    /// `tmp` is scratch of at least rows × max(in, out).
    func backward(_ m: ModelWeights, _ g: Gradients, dy: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
                  dx: UnsafeMutablePointer<Float>?, accumulate: Bool, rows: Int, scratch: AnyObject?, tmp: UnsafeMutablePointer<Float>) {
        if let adapter {
            adapter.backward(self, m, g, dy: dy, x: x, dx: dx, accumulate: accumulate, rows: rows, scratch: scratch!, tmp: tmp)
        } else {
            plainBackward(m, g, dy: dy, input: x, dx: dx, accumulate: accumulate, rows: rows)
        }
    }

    /// y = input Wᵀ + b. input: (rows, in), y: (rows, out)
    func plainForward(_ m: ModelWeights, _ y: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, rows: Int) {
        GEMM.sgemm(.none, .transpose, m: rows, n: outF, k: inF, a: input, lda: inF, b: m.pointer(w), ldb: inF, bWeight: m.operand(w), c: y, ldc: outF)
        addBias(y, m.pointer(b), rows: rows, n: outF)
    }

    /// Backward of `plainForward`: db += Σ dy; dW += dyᵀ input (if trainable); dx (+)= dy W.
    func plainBackward(_ m: ModelWeights, _ g: Gradients, dy: UnsafePointer<Float>, input: UnsafePointer<Float>,
                       dx: UnsafeMutablePointer<Float>?, accumulate: Bool, rows: Int) {
        if let gb = g.pointer(b) { biasBackward(gb, dy, rows: rows, n: outF) }
        if let gw = g.pointer(w) {
            GEMM.sgemm(.transpose, .none, m: outF, n: inF, k: rows, a: dy, lda: outF, b: input, ldb: inF, beta: 1, c: gw, ldc: inF)
        }
        if let dx {
            GEMM.sgemm(.none, .none, m: rows, n: inF, k: outF, a: dy, lda: outF, b: m.pointer(w), ldb: inF, bWeight: m.operand(w),
                       beta: accumulate ? 1 : 0, c: dx, ldc: inF)
        }
    }
}
