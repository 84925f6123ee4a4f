import DeniCore
#if canImport(Glibc)
import Glibc
#endif

// Elementwise and row-wise kernels, each a forward/backward pair. Shapes in comments; backward kernels
// accumulate (+=) into parameter gradients and write (or accumulate, where noted) activation gradients.

/// Σ x[i] and Σ x[i]·y[i] over n elements with 8-lane accumulators (fixed order: deterministic).
@inline(__always)
func sum8(_ x: UnsafePointer<Float>, n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    map8(n) { i, k in acc += load8(x, i, k) }
    return acc.sum()
}

/// out[r, :] = (x[r, :] - mean) * rstd * gamma + beta, saving mean and rstd per row.
/// x, out: (rows, n); gamma, beta: (n); mean, rstd: (rows)
func layerNormForward(_ out: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>,
                      _ x: UnsafePointer<Float>, _ gamma: UnsafePointer<Float>, _ beta: UnsafePointer<Float>,
                      rows: Int, n: Int, eps: Float) {
    parallelFor(rows, minimumPerChunk: 16) { range in
        for r in range {
            let xr = x + r &* n, orow = out + r &* n
            let m = sum8(xr, n: n) / Float(n)
            let mv = SIMD8<Float>(repeating: m)
            var vacc = SIMD8<Float>(repeating: 0)
            map8(n) { i, k in
                var d = load8(xr, i, k) - mv
                if k < 8 { for j in k..<8 { d[j] = 0 } }
                vacc += d * d
            }
            let rs = 1 / (vacc.sum() / Float(n) + eps).squareRoot()
            let rv = SIMD8<Float>(repeating: rs)
            map8(n) { i, k in
                store8(orow, i, k, (load8(xr, i, k) - mv) * rv * load8(gamma, i, k) + load8(beta, i, k))
            }
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
            let mv = SIMD8<Float>(repeating: mean[r]), rv = SIMD8<Float>(repeating: rstd[r])
            // dnorm = dout * gamma; dx = rstd * (dnorm - mean(dnorm) - xhat * mean(dnorm * xhat))
            var sumD = SIMD8<Float>(repeating: 0), sumDX = SIMD8<Float>(repeating: 0)
            map8(n) { i, k in
                let xhat = (load8(xr, i, k) - mv) * rv
                let dn = load8(d, i, k) * load8(gamma, i, k)
                sumD += dn; sumDX += dn * xhat
            }
            let meanD = SIMD8<Float>(repeating: sumD.sum() / Float(n)), meanDX = SIMD8<Float>(repeating: sumDX.sum() / Float(n))
            map8(n) { i, k in
                let xhat = (load8(xr, i, k) - mv) * rv
                store8(dxr, i, k, rv * (load8(d, i, k) * load8(gamma, i, k) - meanD - xhat * meanDX))
            }
        }
    }
    // Parameter gradients: reduce over rows in a fixed order (deterministic).
    if dgamma != nil || dbeta != nil {
        for r in 0..<rows {
            let d = dout + r &* n, xr = x + r &* n
            let mv = SIMD8<Float>(repeating: mean[r]), rv = SIMD8<Float>(repeating: rstd[r])
            map8(n) { i, k in
                let dv = load8(d, i, k)
                if let dg = dgamma { store8(dg, i, k, load8(dg, i, k) + dv * (load8(xr, i, k) - mv) * rv) }
                if let db = dbeta { store8(db, i, k, load8(db, i, k) + dv) }
            }
        }
    }
}

/// exp(x) for 8 lanes: Cody–Waite range reduction and Cephes' degree-6 polynomial (≈1 ulp on [-87.3, 88.3]).
/// Below −87.3 (where exp(x) < 2⁻¹²⁶, the smallest normal float) the result is exactly 0, never a subnormal:
/// masked attention scores (−1e30) and far GELU tails land here.
@inline(__always)
func fastExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let lo = SIMD8<Float>(repeating: -87.3), hi = SIMD8<Float>(repeating: 88.3)
    let underflow = x .< lo
    let x = x.replacing(with: lo, where: underflow).replacing(with: hi, where: x .> hi)
    // Round x·log2(e) to the nearest integer by adding 1.5·2²³ (the sum's low mantissa bits hold n).
    let magic = SIMD8<Float>(repeating: 12_582_912)
    let shiftedF = x * 1.44269504088896341 + magic
    let n = shiftedF - magic
    let r = x - n * SIMD8<Float>(repeating: 0.693359375) + n * SIMD8<Float>(repeating: 2.12194440e-4)
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let e = p * r * r + r + 1
    // 2ⁿ from the bits of the rounded sum.
    let shifted = unsafeBitCast(shiftedF, to: SIMD8<Int32>.self) &- 0x4B40_0000
    return (e * unsafeBitCast((shifted &+ 127) &<< 23, to: SIMD8<Float>.self)).replacing(with: 0, where: underflow)
}

/// Values whose magnitude is below the smallest normal float become exactly 0 (kernels call it where a
/// product of small factors could otherwise leave a subnormal behind when FTZ is off).
@inline(__always)
func flushSubnormals(_ v: SIMD8<Float>) -> SIMD8<Float> {
    let a = v.replacing(with: -v, where: v .< 0)
    return v.replacing(with: 0, where: a .< SIMD8<Float>(repeating: Float.leastNormalMagnitude))
}

/// erf(x) for 8 lanes (Abramowitz–Stegun 7.1.26: absolute error ≤ 1.5e-7), given e = exp(−x²).
@inline(__always)
func fastErf(_ x: SIMD8<Float>, expMinusSquare e: SIMD8<Float>) -> SIMD8<Float> {
    let a = x.replacing(with: -x, where: x .< 0)
    let t = 1 / (1 + 0.3275911 * a)
    var p = SIMD8<Float>(repeating: 1.061405429)
    p = p * t + SIMD8<Float>(repeating: -1.453152027)
    p = p * t + 1.421413741
    p = p * t + SIMD8<Float>(repeating: -0.284496736)
    p = p * t + 0.254829592
    let y = 1 - p * t * e
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

/// GELU, erf form: out = x Φ(x) = 0.5 x (1 + erf(x / √2)), with a vectorised erf (|error| ≤ 1.5e-7).
/// In training `derivative` receives GELU'(x) = Φ(x) + x φ(x) (φ shares Φ's exp(−x²/2)), so backward is one
/// multiplication. Below x = −10 both are exactly 0 (true values under 8e-22, far below the erf's own error):
/// a derivative near 1e-37 would turn any upstream gradient into a subnormal. x, out, derivative: (count)
func geluForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int, derivative: UnsafeMutablePointer<Float>? = nil) {
    let d = derivative.map(UncheckedSendable.init)
    parallelFor(count, minimumPerChunk: 8192) { range in
        let base = range.lowerBound
        map8(range.count) { i, n in
            let v = load8(x, base + i, n)
            let e = fastExp(SIMD8<Float>(repeating: -0.5) * v * v)            // exp(−x²/2)
            let cdf = 0.5 * (1 + fastErf(v * 0.70710678118654752, expMinusSquare: e))
            let tail = v .< SIMD8<Float>(repeating: -10)
            store8(out, base + i, n, (v * cdf).replacing(with: 0, where: tail))
            if let d { store8(d.value, base + i, n, (cdf + v * e * 0.39894228040143268).replacing(with: 0, where: tail)) }
        }
    }
}

/// dx = dout · GELU'(x), from the derivative the forward saved (written, not accumulated).
func geluBackward(_ dx: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, derivative: UnsafePointer<Float>, count: Int) {
    parallelFor(count, minimumPerChunk: 16384) { range in
        for i in range { dx[i] = dout[i] * derivative[i] }
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
    parallelFor(count, minimumPerChunk: 32_768) { r in for i in r { out[i] = x[i] * mask[i] } }
}

/// out = x ⊙ mask + residual (`residual` nil: out += x ⊙ mask; `mask` nil: out = x + residual). (count)
func multiplyAdd(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ mask: UnsafePointer<Float>?,
                 _ residual: UnsafePointer<Float>?, count: Int) {
    parallelFor(count, minimumPerChunk: 32_768) { r in
        switch (mask, residual) {
        case let (m?, res?): for i in r { out[i] = x[i] * m[i] + res[i] }
        case let (m?, nil): for i in r { out[i] += x[i] * m[i] }
        case let (nil, res?): for i in r { out[i] = x[i] + res[i] }
        case (nil, nil): for i in r { out[i] += x[i] }
        }
    }
}

/// out[r, :] += bias. out: (rows, n)
func addBias(_ out: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, n: Int) {
    parallelFor(rows, minimumPerChunk: max(1, 16_384 / max(1, n))) { range in
        for r in range { let o = out + r &* n; for i in 0..<n { o[i] += bias[i] } }
    }
}

/// dbias += sum over rows of dout, each column summed in row order (split over threads by columns, so the
/// result does not depend on the thread count). dout: (rows, n)
func biasBackward(_ dbias: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, rows: Int, n: Int) {
    parallelFor(n, minimumPerChunk: max(8, 16_384 / max(1, rows))) { cols in
        for r in 0..<rows { let d = dout + r &* n; for i in cols { dbias[i] += d[i] } }
    }
}

/// In-place softmax of one row after adding `bias` (0 or -1e30 for padded keys): row[j] = softmax(row + bias)[j].
/// Vectorised exp (≈1 ulp). Masked keys get exactly 0, and so does any probability below the smallest normal
/// float. row, bias: (n)
@inline(__always)
func softmaxRow(_ row: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, n: Int) {
    var mx8 = SIMD8<Float>(repeating: -.infinity)
    map8(n) { i, k in
        var v = load8(row, i, k) + load8(bias, i, k)
        store8(row, i, k, v)
        if k < 8 { for j in k..<8 { v[j] = -.infinity } }
        mx8 = mx8.replacing(with: v, where: v .> mx8)
    }
    let m = SIMD8<Float>(repeating: mx8.max())
    var sum = SIMD8<Float>(repeating: 0)
    map8(n) { i, k in
        var e = fastExp(load8(row, i, k) - m)
        store8(row, i, k, e)
        if k < 8 { for j in k..<8 { e[j] = 0 } }
        sum += e
    }
    let inv = SIMD8<Float>(repeating: 1 / sum.sum())
    map8(n) { i, k in store8(row, i, k, flushSubnormals(load8(row, i, k) * inv)) }
}

/// Backward of `softmaxRow` followed by a scale: dr[j] = scale · p[j] (dr[j] − Σ_k dr[k] p[k]), in place.
/// Masked keys (p = 0) get exactly 0; products under the smallest normal float become 0. dr, p: (n)
@inline(__always)
func softmaxBackwardRow(_ dr: UnsafeMutablePointer<Float>, _ p: UnsafePointer<Float>, n: Int, scale: Float) {
    var d: Float = 0
    for j in 0..<n { d += dr[j] * p[j] }   // sequential: the order every recorded run used
    let dot = SIMD8<Float>(repeating: d), sc = SIMD8<Float>(repeating: scale)
    map8(n) { i, k in store8(dr, i, k, flushSubnormals(load8(p, i, k) * (load8(dr, i, k) - dot) * sc)) }
}
