import DeniCore

extension IA3 {
    /// IA3's wrapper of one linear module. x: (R, in), y: (R, out)
    ///   output side:  y = (x Wᵀ + b) ⊙ l      l: (out)
    ///   input side:   y = (x ⊙ l) Wᵀ + b      l: (in)
    struct Site: SiteAdapter {
        /// Tensor id of l.
        let l: Int
        let onInput: Bool
        /// l's length: in on the input side, out on the output side.
        let width: Int

        /// Input side: the scaled input x ⊙ l (every workspace: the product reads it); output side: the unscaled
        /// output (backward only). (rows, width)
        final class Scratch {
            let saved: FloatBuffer?
            init(count: Int?) { saved = count.map { FloatBuffer(count: $0) } }
        }

        func makeScratch(rows: Int, forTraining: Bool) -> AnyObject {
            Scratch(count: onInput || forTraining ? rows * width : nil)
        }

        func forward(_ site: LinearSite, _ m: ModelWeights, _ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                     rows rl: RowLayout, scratch: AnyObject, dropout: inout RandomStream?) {
            let s = unsafeDowncast(scratch, to: Scratch.self)
            let rows = rl.R
            if onInput {
                let xs = s.saved!.pointer
                scaleColumns(xs, x, m.pointer(l), rows: rows, n: width)
                site.plainForward(m, y, xs, rows: rows)
            } else {
                site.plainForward(m, y, x, rows: rows)
                s.saved?.pointer.update(from: y, count: rows * width)   // the unscaled output, for backward
                scaleColumns(y, y, m.pointer(l), rows: rows, n: width)
            }
        }

        func backward(_ site: LinearSite, _ m: ModelWeights, _ g: Gradients, dy: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
                      dx: UnsafeMutablePointer<Float>?, accumulate: Bool, rows: Int, scratch: AnyObject, tmp: UnsafeMutablePointer<Float>) {
            let s = unsafeDowncast(scratch, to: Scratch.self)
            let saved = s.saved!.pointer, lp = m.pointer(l)
            if onInput {
                // y = xs Wᵀ + b, xs = x ⊙ l: dxs = dy W; dl += Σ_rows dxs ⊙ x; dx (+)= dxs ⊙ l; dW += dyᵀ xs
                site.plainBackward(m, g, dy: dy, input: saved, dx: tmp, accumulate: false, rows: rows)
                if let gl = g.pointer(l) { columnDots(gl, tmp, x, rows: rows, n: width) }
                if let dx { scaleColumns(dx, tmp, lp, rows: rows, n: width, accumulate: accumulate) }
            } else {
                // y = pre ⊙ l: dl += Σ_rows dy ⊙ pre; dpre = dy ⊙ l
                if let gl = g.pointer(l) { columnDots(gl, dy, saved, rows: rows, n: width) }
                scaleColumns(dy, dy, lp, rows: rows, n: width)
                site.plainBackward(m, g, dy: dy, input: x, dx: dx, accumulate: accumulate, rows: rows)
            }
        }
    }
}

/// out[r, i] = x[r, i] · l[i], or += with `accumulate` (IA3's scaling). x, out: (rows, n); l: (n)
func scaleColumns(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ l: UnsafePointer<Float>, rows: Int, n: Int,
                  accumulate: Bool = false) {
    parallelFor(rows, minimumPerChunk: max(1, 16_384 / max(1, n))) { range in
        for r in range {
            let xr = x + r &* n, o = out + r &* n
            if accumulate { for i in 0..<n { o[i] += xr[i] * l[i] } } else { for i in 0..<n { o[i] = xr[i] * l[i] } }
        }
    }
}

/// g[i] += Σ_r a[r, i] · b[r, i], each column in row order (split by columns, like `biasBackward`). a, b: (rows, n)
func columnDots(_ g: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, rows: Int, n: Int) {
    parallelFor(n, minimumPerChunk: max(8, 16_384 / max(1, rows))) { cols in
        for r in 0..<rows { let ar = a + r &* n, br = b + r &* n; for i in cols { g[i] += ar[i] * br[i] } }
    }
}
