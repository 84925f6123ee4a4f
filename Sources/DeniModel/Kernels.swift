import DeniCore
#if canImport(Glibc)
import Glibc
#endif

// Elementwise and row-wise kernels, each a forward/backward pair. Shapes in comments; backward kernels
// accumulate (+=) into parameter gradients and write (or accumulate, where noted) activation gradients.

/// out[r, :] = (x[r, :] - mean) * rstd * gamma + beta, saving mean and rstd per row.
/// x, out: (rows, n); gamma, beta: (n); mean, rstd: (rows)
func layerNormForward(_ out: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>,
                      _ x: UnsafePointer<Float>, _ gamma: UnsafePointer<Float>, _ beta: UnsafePointer<Float>,
                      rows: Int, n: Int, eps: Float) {
    parallelFor(rows, minimumPerChunk: 16) { range in
        for r in range {
            let xr = x + r &* n, orow = out + r &* n
            var s: Float = 0
            for i in 0..<n { s += xr[i] }
            let m = s / Float(n)
            var v: Float = 0
            for i in 0..<n { let d = xr[i] - m; v += d * d }
            let rs = 1 / (v / Float(n) + eps).squareRoot()
            for i in 0..<n { orow[i] = (xr[i] - m) * rs * gamma[i] + beta[i] }
            mean[r] = m; rstd[r] = rs
        }
    }
}

/// dx = LN'(dout) (written, not accumulated); dgamma, dbeta accumulate when non-nil.
/// dout, x, dx: (rows, n)
func layerNormBackward(_ dx: UnsafeMutablePointer<Float>, _ dgamma: UnsafeMutablePointer<Float>?, _ dbeta: UnsafeMutablePointer<Float>?,
                       _ dout: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ gamma: UnsafePointer<Float>,
                       _ mean: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>, rows: Int, n: Int) {
    parallelFor(rows, minimumPerChunk: 16) { range in
        for r in range {
            let d = dout + r &* n, xr = x + r &* n, dxr = dx + r &* n
            let m = mean[r], rs = rstd[r]
            // dnorm = dout * gamma; dx = rstd * (dnorm - mean(dnorm) - xhat * mean(dnorm * xhat))
            var sumD: Float = 0, sumDX: Float = 0
            for i in 0..<n {
                let xhat = (xr[i] - m) * rs
                let dn = d[i] * gamma[i]
                sumD += dn; sumDX += dn * xhat
            }
            let meanD = sumD / Float(n), meanDX = sumDX / Float(n)
            for i in 0..<n {
                let xhat = (xr[i] - m) * rs
                dxr[i] = rs * (d[i] * gamma[i] - meanD - xhat * meanDX)
            }
        }
    }
    // Parameter gradients: reduce over rows in a fixed order (deterministic).
    if dgamma != nil || dbeta != nil {
        for r in 0..<rows {
            let d = dout + r &* n, xr = x + r &* n
            let m = mean[r], rs = rstd[r]
            if let dg = dgamma { for i in 0..<n { dg[i] += d[i] * (xr[i] - m) * rs } }
            if let db = dbeta { for i in 0..<n { db[i] += d[i] } }
        }
    }
}

/// Exact GELU: 0.5 x (1 + erf(x / sqrt 2)). x, out: (count)
func geluForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
    parallelFor(count, minimumPerChunk: 8192) { range in
        for i in range { let v = x[i]; out[i] = 0.5 * v * (1 + erff(v * 0.70710678118654752)) }
    }
}

/// dx = dout * GELU'(x), recomputing erf (written, not accumulated).
func geluBackward(_ dx: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
    parallelFor(count, minimumPerChunk: 8192) { range in
        for i in range {
            let v = x[i]
            let cdf = 0.5 * (1 + erff(v * 0.70710678118654752))
            let pdf = expf(-0.5 * v * v) * 0.39894228040143268
            dx[i] = dout[i] * (cdf + v * pdf)
        }
    }
}

/// Draws a dropout mask of scales (0 or 1/(1-p)) from `stream`. mask: (count)
func dropoutMask(_ mask: UnsafeMutablePointer<Float>, count: Int, p: Float, stream: inout RandomStream) {
    let keep = 1 / (1 - p)
    let threshold = UInt32(min(Double(p) * 4_294_967_296.0, 4_294_967_295.0))
    var i = 0
    while i < count {
        let r = stream.next()
        mask[i] = UInt32(truncatingIfNeeded: r) < threshold ? 0 : keep
        if i + 1 < count { mask[i + 1] = UInt32(truncatingIfNeeded: r >> 32) < threshold ? 0 : keep }
        i += 2
    }
}

/// out = x * mask (elementwise). Works in place.
@inline(__always)
func multiply(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ mask: UnsafePointer<Float>, count: Int) {
    for i in 0..<count { out[i] = x[i] * mask[i] }
}

/// out[r, :] += bias. out: (rows, n)
func addBias(_ out: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, n: Int) {
    for r in 0..<rows { let o = out + r &* n; for i in 0..<n { o[i] += bias[i] } }
}

/// dbias += sum over rows of dout. dout: (rows, n)
func biasBackward(_ dbias: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, rows: Int, n: Int) {
    for r in 0..<rows { let d = dout + r &* n; for i in 0..<n { dbias[i] += d[i] } }
}
