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

/// exp(x) for 8 lanes: Cody–Waite range reduction and Cephes' degree-6 polynomial (≈1 ulp on [-87, 88]).
@inline(__always)
func fastExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let x = x.clamped(lowerBound: SIMD8(repeating: -87.3), upperBound: SIMD8(repeating: 88.3))
    let n = (x * 1.44269504088896341).rounded(.toNearestOrEven)
    let r = x - n * SIMD8<Float>(repeating: 0.693359375) + n * SIMD8<Float>(repeating: 2.12194440e-4)
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let e = p * r * r + r + 1
    // 2ⁿ from the bits: adding 1.5·2²³ puts the integer n in the low mantissa bits.
    let shifted = unsafeBitCast(n + 12_582_912, to: SIMD8<Int32>.self) &- 0x4B40_0000
    return e * unsafeBitCast((shifted &+ 127) &<< 23, to: SIMD8<Float>.self)
}

/// erf(x) for 8 lanes (Abramowitz–Stegun 7.1.26: absolute error ≤ 1.5e-7).
@inline(__always)
func fastErf(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let a = x.replacing(with: -x, where: x .< 0)
    let t = 1 / (1 + 0.3275911 * a)
    var p = SIMD8<Float>(repeating: 1.061405429)
    p = p * t + SIMD8<Float>(repeating: -1.453152027)
    p = p * t + 1.421413741
    p = p * t + SIMD8<Float>(repeating: -0.284496736)
    p = p * t + 0.254829592
    let y = 1 - p * t * fastExp(SIMD8<Float>(repeating: 0) - a * a)
    return y.replacing(with: -y, where: x .< 0)
}

/// Applies an 8-lane function to `count` elements (the tail padded with zeros).
@inline(__always)
func map8(_ count: Int, _ body: (Int, Int) -> Void) {
    var i = 0
    while i < count { body(i, min(8, count - i)); i += 8 }
}

@inline(__always) func load8(_ p: UnsafePointer<Float>, _ i: Int, _ n: Int) -> SIMD8<Float> {
    if n == 8 { return UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) }
    var v = SIMD8<Float>(repeating: 0)
    for j in 0..<n { v[j] = p[i + j] }
    return v
}

@inline(__always) func store8(_ p: UnsafeMutablePointer<Float>, _ i: Int, _ n: Int, _ v: SIMD8<Float>) {
    if n == 8 { UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD8<Float>.self); return }
    for j in 0..<n { p[i + j] = v[j] }
}

/// GELU, erf form: 0.5 x (1 + erf(x / √2)), with a vectorised erf (absolute error ≤ 1.5e-7). x, out: (count)
func geluForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
    parallelFor(count, minimumPerChunk: 8192) { range in
        let base = range.lowerBound
        map8(range.count) { i, n in
            let v = load8(x, base + i, n)
            store8(out, base + i, n, 0.5 * v * (1 + fastErf(v * 0.70710678118654752)))
        }
    }
}

/// dx = dout · GELU'(x) = dout · (Φ(x) + x φ(x)), recomputing erf (written, not accumulated).
func geluBackward(_ dx: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
    parallelFor(count, minimumPerChunk: 8192) { range in
        let base = range.lowerBound
        map8(range.count) { i, n in
            let v = load8(x, base + i, n), d = load8(dout, base + i, n)
            let cdf = 0.5 * (1 + fastErf(v * 0.70710678118654752))
            let pdf = fastExp(SIMD8<Float>(repeating: -0.5) * v * v) * 0.39894228040143268
            store8(dx, base + i, n, d * (cdf + v * pdf))
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

/// In-place softmax of one row after adding `bias` (0 or -1e30 for padded keys): row[j] = softmax(row + bias)[j].
/// Vectorised exp (≈1 ulp). row, bias: (n)
@inline(__always)
func softmaxRow(_ row: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, n: Int) {
    var mx = -Float.infinity
    for j in 0..<n { row[j] += bias[j]; mx = max(mx, row[j]) }
    var sum = SIMD8<Float>(repeating: 0)
    let m = SIMD8<Float>(repeating: mx)
    map8(n) { i, k in
        let e = fastExp(load8(row, i, k) - m)
        var masked = e
        if k < 8 { for j in k..<8 { masked[j] = 0 } }
        sum += masked
        store8(row, i, k, e)
    }
    let inv = 1 / sum.sum()
    for j in 0..<n { row[j] *= inv }
}
