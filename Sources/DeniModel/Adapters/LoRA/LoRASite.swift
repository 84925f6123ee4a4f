import DeniCore

extension LoRA {
    /// LoRA's wrapper of one linear module:
    ///   y = x Wᵀ + b + s · (drop(x) Aᵀ) Bᵀ          x: (R, in), y: (R, out), A: (r, in), B: (out, r)
    struct Site: SiteAdapter {
        /// Tensor ids of A and B.
        let a: Int, b: Int
        let inF: Int, rank: Int, scale: Float, dropout: Float

        /// Saved activations for backward; an evaluation workspace keeps no input copy or mask.
        final class Scratch {
            let u: FloatBuffer?      // drop(x) (rows, in)
            let mask: FloatBuffer?   // the dropout mask (rows, in)
            let z: FloatBuffer       // u Aᵀ (rows, r)
            init(rows: Int, inF: Int, rank: Int, forTraining: Bool) {
                u = forTraining ? FloatBuffer(count: rows * inF) : nil
                mask = forTraining ? FloatBuffer(count: rows * inF) : nil
                z = FloatBuffer(count: rows * rank)
            }
        }

        func makeScratch(rows: Int, forTraining: Bool) -> AnyObject {
            Scratch(rows: rows, inF: inF, rank: rank, forTraining: forTraining)
        }

        func forward(_ site: LinearSite, _ m: ModelWeights, _ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                     rows rl: RowLayout, scratch: AnyObject, dropout stream: inout RandomStream?) {
            let s = unsafeDowncast(scratch, to: Scratch.self)
            let rows = rl.R
            site.plainForward(m, y, x, rows: rows)
            let z = s.z.pointer, n = rows * inF
            var u = x
            if let ub = s.u, let mask = s.mask {
                // Training workspace: keep drop(x) and the mask for backward.
                if dropout > 0, stream != nil {
                    rl.dropoutRows(mask.pointer, width: inF, p: dropout, stream: &stream!)
                    multiply(ub.pointer, x, mask.pointer, count: n)
                } else {
                    mask.pointer.update(repeating: 1, count: n)
                    ub.pointer.update(from: x, count: n)
                }
                u = UnsafePointer(ub.pointer)
            }
            // z = u Aᵀ  (rows, r);  y += s · z Bᵀ  (rows, out)
            GEMM.sgemm(.none, .transpose, m: rows, n: rank, k: inF, a: u, lda: inF, b: m.pointer(a), ldb: inF, c: z, ldc: rank)
            GEMM.sgemm(.none, .transpose, m: rows, n: site.outF, k: rank, alpha: scale, a: z, lda: rank,
                       b: m.pointer(b), ldb: rank, beta: 1, c: y, ldc: site.outF)
        }

        func backward(_ site: LinearSite, _ m: ModelWeights, _ g: Gradients, dy: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
                      dx: UnsafeMutablePointer<Float>?, accumulate: Bool, rows: Int, scratch: AnyObject, tmp: UnsafeMutablePointer<Float>) {
            let s = unsafeDowncast(scratch, to: Scratch.self)
            let u = s.u!.pointer, z = s.z.pointer, outF = site.outF
            // dB += s · dyᵀ z  (out, r)
            if let gB = g.pointer(b) {
                GEMM.sgemm(.transpose, .none, m: outF, n: rank, k: rows, alpha: scale, a: dy, lda: outF, b: z, ldb: rank, beta: 1, c: gB, ldc: rank)
            }
            // dz = s · dy B  (rows, r), then kept in the z buffer (z is not needed after dB)
            let dz = tmp
            GEMM.sgemm(.none, .none, m: rows, n: rank, k: outF, alpha: scale, a: dy, lda: outF, b: m.pointer(b), ldb: rank, c: dz, ldc: rank)
            // dA += dzᵀ u  (r, in)
            if let gA = g.pointer(a) {
                GEMM.sgemm(.transpose, .none, m: rank, n: inF, k: rows, a: dz, lda: rank, b: u, ldb: inF, beta: 1, c: gA, ldc: inF)
            }
            z.update(from: dz, count: rows * rank)
            site.plainBackward(m, g, dy: dy, input: x, dx: dx, accumulate: accumulate, rows: rows)
            if let dx {
                // dx += (dz A) ⊙ mask, after the base path wrote or accumulated dx
                GEMM.sgemm(.none, .none, m: rows, n: inF, k: rank, a: z, lda: rank, b: m.pointer(a), ldb: inF, c: tmp, ldc: inF)
                multiplyAdd(dx, tmp, s.mask!.pointer, nil, count: rows * inF)
            }
        }
    }
}
