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
