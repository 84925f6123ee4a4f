import Foundation

/// Tests for paired comparisons over few runs (5–20 pairs), where bootstrap intervals are too narrow and
/// Wilcoxon cannot go below p = 0.0625 at n = 5; plus the pooled tests across cells and a power figure for the
/// spread. Each matches the SciPy function named in its comment (fixtures: scripts/reference/make_statistics_fixtures.py).
extension Statistics {
    /// CDF of Student's t with `df` degrees of freedom (`scipy.stats.t.cdf`).
    public static func studentTCDF(_ t: Double, df: Double) -> Double {
        guard t.isFinite else { return t.isNaN ? .nan : (t > 0 ? 1 : 0) }
        // P(|T| > |t|) = I_{df/(df+t²)}(df/2, 1/2) = 1 − I_{t²/(df+t²)}(1/2, df/2); each form where its argument
        // is computed without cancellation.
        let t2 = t * t
        let tail = t2 < df ? 0.5 * (1 - regularizedIncompleteBeta(t2 / (df + t2), a: 0.5, b: df / 2))
                           : 0.5 * regularizedIncompleteBeta(df / (df + t2), a: df / 2, b: 0.5)
        return t > 0 ? 1 - tail : tail
    }

    /// Quantile of Student's t (`scipy.stats.t.ppf`), by bisection on the CDF (relative accuracy ~1e-13).
    public static func studentTQuantile(_ p: Double, df: Double) -> Double {
        guard p > 0, p < 1, df > 0 else { return p == 0 ? -.infinity : p == 1 ? .infinity : .nan }
        return bisect(lo: -1e4, hi: 1e4) { studentTCDF($0, df: df) < p }
    }

    /// CDF of the F distribution (`scipy.stats.f.cdf`).
    public static func fCDF(_ x: Double, d1: Double, d2: Double) -> Double {
        guard x > 0 else { return 0 }
        return regularizedIncompleteBeta(d1 * x / (d1 * x + d2), a: d1 / 2, b: d2 / 2)
    }

    /// Quantile of the F distribution (`scipy.stats.f.ppf`), by bisection on log x.
    public static func fQuantile(_ p: Double, d1: Double, d2: Double) -> Double {
        guard p > 0, p < 1 else { return p == 0 ? 0 : .infinity }
        return exp(bisect(lo: -60, hi: 60) { fCDF(exp($0), d1: d1, d2: d2) < p })
    }

    /// The paired t interval of mean(a − b) and the two-sided p of the one-sample t-test of the differences
    /// (`scipy.stats.ttest_rel(a, b)`: `.pvalue`, `.confidence_interval(confidence)`). NaN below 2 pairs or
    /// when every difference is the same (zero spread).
    public static func pairedT(_ a: [Double], _ b: [Double], confidence: Double = 0.95) -> (interval: Interval, p: Double) {
        guard a.count == b.count, a.count >= 2 else { return (Interval(estimate: .nan, low: .nan, high: .nan), .nan) }
        let d = zip(a, b).map { $0 - $1 }
        let s = summary(d)
        let se = s.sampleStd / Double(d.count).squareRoot()
        guard se > 0 else { return (Interval(estimate: s.mean, low: .nan, high: .nan), .nan) }
        let df = Double(d.count - 1)
        let q = studentTQuantile(0.5 + confidence / 2, df: df)
        let t = s.mean / se
        let p = regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
        return (Interval(estimate: s.mean, low: s.mean - q * se, high: s.mean + q * se), min(1, p))
    }

    /// Pairs up to which `signFlipP` enumerates every sign pattern (2^20 ≈ 10⁶).
    public static let exactSignFlipLimit = 20

    /// Two-sided p of the exact sign-flip permutation test of mean(a − b) = 0: all 2ⁿ patterns of signs on the
    /// differences, p = 2·min(P(T ≤ t), P(T ≥ t)) capped at 1, T the sum of the signed differences, with the
    /// relative tolerance 100 ε for ties (`scipy.stats.permutation_test(..., permutation_type="samples",
    /// alternative="two-sided", n_resamples=inf)` on `np.mean`). NaN beyond `exactSignFlipLimit` pairs or below 1.
    public static func signFlipP(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count, !a.isEmpty, a.count <= exactSignFlipLimit else { return .nan }
        let d = zip(a, b).map { $0 - $1 }
        let n = d.count
        // Means over every pattern, as SciPy computes them (a mean of the signed values), compared with tolerance.
        let observed = d.reduce(0, +) / Double(n)
        let gamma = abs(observed) * Double.ulpOfOne * 100
        var less = 0, greater = 0
        let patterns = 1 << n
        for mask in 0..<patterns {
            var sum = 0.0   // summed in index order, as `reduce` would: no array written per pattern
            for i in 0..<n { sum += mask & (1 << i) != 0 ? -d[i] : d[i] }
            let m = sum / Double(n)
            if m <= observed + gamma { less += 1 }
            if m >= observed - gamma { greater += 1 }
        }
        return min(1, 2 * Double(min(less, greater)) / Double(patterns))
    }

    /// Two-sided exact binomial sign test: `positive` of `positive + negative` non-zero differences above 0
    /// under p = 1/2 (`scipy.stats.binomtest(positive, n, 0.5).pvalue`). NaN with no non-zero difference.
    public static func signTest(positive: Int, negative: Int) -> Double {
        let n = positive + negative
        guard n > 0 else { return .nan }
        // Symmetric null: the two-sided p is 2·P(X ≤ min(k, n − k)), capped at 1.
        let k = min(positive, negative)
        var tail = 0.0
        for i in 0...k { tail += exp(lgamma(Double(n + 1)) - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1)) - Double(n) * log(2)) }
        return positive == negative ? 1 : min(1, 2 * tail)
    }

    /// DerSimonian–Laird random-effects estimate of a mean difference pooled over cells: each cell gives its
    /// mean difference and that mean's variance (sample variance of its differences / pairs). Returns the
    /// estimate with a normal 95 % interval, τ² (between-cell variance) and Cochran's Q. NaN below 2 cells.
    public static func randomEffects(means: [Double], variances: [Double]) -> (estimate: Interval, tau2: Double, q: Double) {
        let nan = Interval(estimate: .nan, low: .nan, high: .nan)
        guard means.count == variances.count, means.count >= 2, variances.allSatisfy({ $0 > 0 && $0.isFinite }) else { return (nan, .nan, .nan) }
        let w = variances.map { 1 / $0 }
        let sw = w.reduce(0, +), sw2 = w.reduce(0) { $0 + $1 * $1 }
        let fixed = zip(w, means).reduce(0) { $0 + $1.0 * $1.1 } / sw
        let q = zip(w, means).reduce(0) { $0 + $1.0 * ($1.1 - fixed) * ($1.1 - fixed) }
        let tau2 = max(0, (q - Double(means.count - 1)) / (sw - sw2 / sw))
        let ws = variances.map { 1 / ($0 + tau2) }
        let sws = ws.reduce(0, +)
        let estimate = zip(ws, means).reduce(0) { $0 + $1.0 * $1.1 } / sws
        let se = (1 / sws).squareRoot()
        let z = 1.959963984540054
        return (Interval(estimate: estimate, low: estimate - z * se, high: estimate + z * se), tau2, q)
    }

    /// Power of the two-sided F-test of equal variances (level `alpha`, `n` runs per side) when the true ratio
    /// of standard deviations is `ratio`: P(F > F₁₋α/₂ / r²) + P(F < Fα/₂ / r²) with F ~ F(n−1, n−1)
    /// (`scipy.stats.f`). Independent samples: paired runs that correlate positively need fewer.
    public static func varianceTestPower(ratio: Double, runs n: Int, alpha: Double = 0.05) -> Double {
        guard n >= 2, ratio > 0, ratio.isFinite else { return .nan }
        let df = Double(n - 1), r2 = ratio * ratio
        let hi = fQuantile(1 - alpha / 2, d1: df, d2: df), lo = fQuantile(alpha / 2, d1: df, d2: df)
        return 1 - fCDF(hi / r2, d1: df, d2: df) + fCDF(lo / r2, d1: df, d2: df)
    }

    /// The fewest runs per side for which `varianceTestPower` reaches `power` (nil beyond `limit`, or for a
    /// ratio of exactly 1, which no number of runs distinguishes).
    public static func runsToDetectStdRatio(_ ratio: Double, power: Double = 0.8, alpha: Double = 0.05, limit: Int = 100_000) -> Int? {
        guard ratio > 0, ratio.isFinite, ratio != 1 else { return nil }
        guard varianceTestPower(ratio: ratio, runs: limit, alpha: alpha) >= power else { return nil }
        var lo = 2, hi = limit   // power grows with n: bisect for the first n reaching it
        while lo < hi {
            let mid = (lo + hi) / 2
            if varianceTestPower(ratio: ratio, runs: mid, alpha: alpha) >= power { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// The boundary of a monotone predicate: `below(x)` is true left of it.
    static func bisect(lo: Double, hi: Double, below: (Double) -> Bool) -> Double {
        var lo = lo, hi = hi
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if mid == lo || mid == hi { break }
            if below(mid) { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }
}
