import DeniCore
import Foundation

/// Statistics over runs: what the workbench reports for a strategy, and how two strategies are compared.

/// Mean, spread and range of one metric over runs.
public struct Summary: Codable, Hashable, Sendable {
    public var count: Int
    public var mean: Double
    /// Population standard deviation (ddof 0), the paper's figure.
    public var std: Double
    /// Sample standard deviation (ddof 1); 0 for one value.
    public var sampleStd: Double
    /// Standard error of the mean (sample std / sqrt(n)).
    public var standardError: Double
    public var min: Double
    public var max: Double

    public init(count: Int, mean: Double, std: Double, sampleStd: Double, standardError: Double, min: Double, max: Double) {
        self.count = count; self.mean = mean; self.std = std; self.sampleStd = sampleStd
        self.standardError = standardError; self.min = min; self.max = max
    }
}

/// A point estimate with a confidence interval.
public struct Interval: Codable, Hashable, Sendable {
    public var estimate: Double
    public var low: Double
    public var high: Double
    public init(estimate: Double, low: Double, high: Double) { self.estimate = estimate; self.low = low; self.high = high }
}

public enum Statistics {
    /// Summary of `values` (two-pass mean/variance in Double). Empty input gives NaNs and count 0.
    public static func summary(_ values: [Double]) -> Summary {
        let n = values.count
        guard n > 0 else { return Summary(count: 0, mean: .nan, std: .nan, sampleStd: .nan, standardError: .nan, min: .nan, max: .nan) }
        let mean = values.reduce(0, +) / Double(n)
        let ss = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let std = (ss / Double(n)).squareRoot()
        let sampleStd = n > 1 ? (ss / Double(n - 1)).squareRoot() : 0
        return Summary(count: n, mean: mean, std: std, sampleStd: sampleStd,
                       standardError: n > 1 ? sampleStd / Double(n).squareRoot() : 0,
                       min: values.min()!, max: values.max()!)
    }
}

// MARK: - Comparing two strategies

extension Statistics {
    /// Paired bootstrap of the mean of `a[i] − b[i]`.
    ///
    /// `estimate` is the observed mean difference; `low`/`high` are the percentile interval of `resamples`
    /// resampled means (indices drawn with replacement, pairs kept together), with numpy's default linear
    /// interpolation between order statistics. The draws come from `RandomStream(key: seed)`, so the same
    /// inputs and seed give the same interval. Inputs of different lengths or empty inputs give NaNs.
    public static func pairedBootstrap(_ a: [Double], _ b: [Double], resamples: Int = 10_000, seed: UInt64,
                                       confidence: Double = 0.95) -> Interval {
        guard a.count == b.count, !a.isEmpty, resamples > 0 else { return Interval(estimate: .nan, low: .nan, high: .nan) }
        let d = zip(a, b).map { $0 - $1 }
        let n = d.count
        var rng = RandomStream(key: seed)
        var means = [Double](repeating: 0, count: resamples)
        for r in 0..<resamples {
            var s = 0.0
            for _ in 0..<n { s += d[rng.nextInt(below: n)] }
            means[r] = s / Double(n)
        }
        let (low, high) = percentileInterval(&means, confidence: confidence)
        return Interval(estimate: d.reduce(0, +) / Double(n), low: low, high: high)
    }

    /// Bootstrap of `mean(a) − mean(b)` for independent samples (each resampled on its own), e.g. the paired
    /// gains of one cell against those of another. Seeded like `pairedBootstrap`; empty inputs give NaNs.
    public static func independentBootstrap(_ a: [Double], _ b: [Double], resamples: Int = 10_000, seed: UInt64,
                                            confidence: Double = 0.95) -> Interval {
        guard !a.isEmpty, !b.isEmpty, resamples > 0 else { return Interval(estimate: .nan, low: .nan, high: .nan) }
        var rng = RandomStream(key: seed)
        var differences = [Double](repeating: 0, count: resamples)
        for r in 0..<resamples {
            var sa = 0.0, sb = 0.0
            for _ in 0..<a.count { sa += a[rng.nextInt(below: a.count)] }
            for _ in 0..<b.count { sb += b[rng.nextInt(below: b.count)] }
            differences[r] = sa / Double(a.count) - sb / Double(b.count)
        }
        let (low, high) = percentileInterval(&differences, confidence: confidence)
        let estimate = a.reduce(0, +) / Double(a.count) - b.reduce(0, +) / Double(b.count)
        return Interval(estimate: estimate, low: low, high: high)
    }

    /// Bootstrap interval of `std(a) / std(b)` (population std, ddof 0, as `Summary.std`).
    ///
    /// `paired`: one index draw resamples both arrays (they must have the same length); otherwise each array is
    /// resampled on its own. Resamples whose ratio is undefined (0 / 0) are left out of the percentile interval;
    /// x / 0 counts as +∞. Seeded like `pairedBootstrap` (`RandomStream(key: seed)`).
    public static func stdRatioBootstrap(_ a: [Double], _ b: [Double], paired: Bool, resamples: Int = 10_000,
                                         seed: UInt64, confidence: Double = 0.95) -> Interval {
        let nan = Interval(estimate: .nan, low: .nan, high: .nan)
        guard !a.isEmpty, !b.isEmpty, resamples > 0, !paired || a.count == b.count else { return nan }
        var rng = RandomStream(key: seed)
        var ratios: [Double] = []
        ratios.reserveCapacity(resamples)
        var ra = [Double](repeating: 0, count: a.count), rb = [Double](repeating: 0, count: b.count)
        for _ in 0..<resamples {
            if paired {
                for i in 0..<a.count { let j = rng.nextInt(below: a.count); ra[i] = a[j]; rb[i] = b[j] }
            } else {
                for i in 0..<a.count { ra[i] = a[rng.nextInt(below: a.count)] }
                for i in 0..<b.count { rb[i] = b[rng.nextInt(below: b.count)] }
            }
            let r = populationStd(ra) / populationStd(rb)
            if !r.isNaN { ratios.append(r) }
        }
        let estimate = populationStd(a) / populationStd(b)
        guard !ratios.isEmpty else { return Interval(estimate: estimate, low: .nan, high: .nan) }
        let (low, high) = percentileInterval(&ratios, confidence: confidence)
        return Interval(estimate: estimate, low: low, high: high)
    }

    /// Two-sided p-value of the Wilcoxon signed-rank test of `a[i] − b[i]`, matching the defaults of
    /// `scipy.stats.wilcoxon` (SciPy 1.17: `zero_method="wilcox"`, `correction=False`, `method="auto"`):
    /// - zero differences are dropped (Wilcoxon's method, not Pratt's); |d| gets average ranks over the rest;
    /// - no ties and no zeros and n ≤ 50 (n counts the pairs, zeros included): the exact null distribution of
    ///   the positive-rank sum, p = 2·min(P(W⁺ ≥ w), P(W⁺ ≤ w)) capped at 1;
    /// - ties or zeros and n ≤ 13: the exact sign-flip permutation distribution of W⁺ with the tied ranks
    ///   (what SciPy's permutation test enumerates), same two-sided rule;
    /// - otherwise the normal approximation with the tie correction (Σ(t³ − t)/48 off the variance) and no
    ///   continuity correction.
    /// All differences zero gives 1 (SciPy gives 1 for n ≤ 13 and NaN above). Empty or unequal inputs give NaN.
    public static func wilcoxonSignedRank(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return .nan }
        let all = zip(a, b).map { $0 - $1 }
        let d = all.filter { $0 != 0 }
        let zeros = all.count - d.count
        guard !d.isEmpty else { return 1 }
        let (ranks, tieGroups) = averageRanks(d.map { abs($0) })
        let hasTies = tieGroups.contains { $0 > 1 }
        let m = d.count
        // Twice the ranks are integers even with ties (average ranks are multiples of 1/2).
        let doubled = ranks.map { Int(($0 * 2).rounded()) }
        let observed = zip(d, doubled).reduce(0) { $0 + ($1.0 > 0 ? $1.1 : 0) }
        if (!hasTies && zeros == 0 && all.count <= 50) || ((hasTies || zeros > 0) && all.count <= 13) {
            // Distribution of Σ B_i·r_i over independent fair signs B_i, in doubled-rank units.
            let total = doubled.reduce(0, +)
            var counts = [Double](repeating: 0, count: total + 1)
            counts[0] = 1
            var reach = 0
            for r in doubled {
                for s in stride(from: reach, through: 0, by: -1) where counts[s] != 0 { counts[s + r] += counts[s] }
                reach += r
            }
            let all2 = counts.reduce(0, +)
            let upper = counts[observed...].reduce(0, +) / all2
            let lower = counts[...observed].reduce(0, +) / all2
            return min(1, 2 * min(upper, lower))
        }
        let n = Double(m)
        let mean = n * (n + 1) / 4
        let tieSum = tieGroups.reduce(0.0) { let t = Double($1); return $0 + t * t * t - t }
        let se = ((n * (n + 1) * (2 * n + 1) - tieSum / 2) / 24).squareRoot()
        let z = (Double(observed) / 2 - mean) / se
        return min(1, erfc(abs(z) / 2.0.squareRoot()))
    }

    /// Welch's unequal-variance t-test of mean(a) − mean(b): t, the Welch–Satterthwaite degrees of freedom,
    /// and the two-sided p = I_{df/(df+t²)}(df/2, 1/2) (regularized incomplete beta). Needs two values on
    /// each side; otherwise, or when both samples have zero variance, returns NaNs (as SciPy does).
    public static func welchT(_ a: [Double], _ b: [Double]) -> (t: Double, df: Double, p: Double) {
        guard a.count >= 2, b.count >= 2 else { return (.nan, .nan, .nan) }
        let sa = summary(a), sb = summary(b)
        let va = sa.sampleStd * sa.sampleStd / Double(a.count), vb = sb.sampleStd * sb.sampleStd / Double(b.count)
        let se2 = va + vb
        guard se2 > 0 else { return (.nan, .nan, .nan) }
        let t = (sa.mean - sb.mean) / se2.squareRoot()
        let df = se2 * se2 / (va * va / Double(a.count - 1) + vb * vb / Double(b.count - 1))
        let p = regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
        return (t, df, min(1, max(0, p)))
    }

    /// I_x(a, b), the regularized incomplete beta function, by its continued fraction (modified Lentz),
    /// using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly. Relative
    /// accuracy about 1e-14 for a, b up to ~1e4.
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x.isNaN || a.isNaN || b.isNaN { return .nan }
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        if x > (a + 1) / (a + b + 2) { return 1 - regularizedIncompleteBeta(1 - x, a: b, b: a) }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        let tiny = 1e-300
        var c = 1.0, dd = 1 - (a + b) * x / (a + 1)
        if abs(dd) < tiny { dd = tiny }
        dd = 1 / dd
        var f = dd
        for k in 1...10_000 {
            let m = Double(k)
            // Even step: m(b − m)x / ((a + 2m − 1)(a + 2m)); odd step: −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1)).
            for coefficient in [m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                                -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))] {
                dd = 1 + coefficient * dd
                if abs(dd) < tiny { dd = tiny }
                c = 1 + coefficient / c
                if abs(c) < tiny { c = tiny }
                dd = 1 / dd
                f *= dd * c
            }
            if abs(dd * c - 1) < 1e-15 { break }
        }
        return exp(logFront) * f / a
    }

    /// Average ranks (1-based) of `values` and the sizes of their tie groups.
    static func averageRanks(_ values: [Double]) -> (ranks: [Double], tieGroups: [Int]) {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var groups: [Int] = []
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
            let rank = Double(i + j + 2) / 2
            for k in i...j { ranks[order[k]] = rank }
            groups.append(j - i + 1)
            i = j + 1
        }
        return (ranks, groups)
    }

    /// Sorts `values` and returns the (1 − confidence)/2 and (1 + confidence)/2 quantiles (linear interpolation).
    static func percentileInterval(_ values: inout [Double], confidence: Double) -> (Double, Double) {
        values.sort()
        return (quantile(sorted: values, (1 - confidence) / 2), quantile(sorted: values, (1 + confidence) / 2))
    }

    /// Quantile `q` of sorted values, numpy's default ("linear") rule: position (n − 1)·q.
    static func quantile(sorted v: [Double], _ q: Double) -> Double {
        guard !v.isEmpty else { return .nan }
        let h = Double(v.count - 1) * q
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, v.count - 1)
        let frac = h - Double(lo)
        if frac == 0 || v[lo] == v[hi] { return v[lo] }
        return v[lo] + frac * (v[hi] - v[lo])
    }

    static func populationStd(_ v: [Double]) -> Double {
        let mean = v.reduce(0, +) / Double(v.count)
        return (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count)).squareRoot()
    }
}
