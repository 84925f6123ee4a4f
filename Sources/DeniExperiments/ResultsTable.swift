import DeniData
import DeniTraining

/// A strategy compared with the baseline (Default) over paired runs.
public struct Significance: Codable, Hashable, Sendable {
    /// Mean of (strategy − baseline) macro-F1 over paired runs, with a paired bootstrap 95 % interval.
    public var meanDifference: Interval
    /// Two-sided Wilcoxon signed-rank p-value of the paired differences.
    public var wilcoxonP: Double
    /// std(strategy) / std(baseline) with a bootstrap 95 % interval.
    public var stdRatio: Interval
    public var pairs: Int
    /// Fewer pairs than this get no interval in print and no verdict in a study: a paired bootstrap over 2-4 pairs
    /// has 3-35 distinct resamples, so its interval means little (over 2 the std-ratio one collapses onto the
    /// estimate). 5 is issue #8's minimum of Ensemble runs.
    public static let minimumPairs = 5
    public init(meanDifference: Interval, wilcoxonP: Double, stdRatio: Interval, pairs: Int) {
        self.meanDifference = meanDifference; self.wilcoxonP = wilcoxonP; self.stdRatio = stdRatio; self.pairs = pairs
    }
}

/// One row of the results table.
public struct StrategyResult: Codable, Hashable, Sendable {
    public var strategy: String
    public var runs: Int
    /// Runs whose macro-F1 fell below 100 / C (they stay in the statistics) plus runs that failed outright.
    public var failed: Int
    public var macroF1: Summary
    public var accuracy: Summary
    /// Mean model-steps per run and relative to a 10-member Ensemble of the same length.
    public var modelSteps: Double
    public var costRelativeToEnsemble: Double
    public var wallSeconds: Double
    public var significance: Significance?
    public init(strategy: String, runs: Int, failed: Int, macroF1: Summary, accuracy: Summary, modelSteps: Double,
                costRelativeToEnsemble: Double, wallSeconds: Double, significance: Significance?) {
        self.strategy = strategy; self.runs = runs; self.failed = failed; self.macroF1 = macroF1; self.accuracy = accuracy
        self.modelSteps = modelSteps; self.costRelativeToEnsemble = costRelativeToEnsemble; self.wallSeconds = wallSeconds
        self.significance = significance
    }
}

/// The results of an experiment: one row per strategy, in the config's order.
public struct ResultsTable: Codable, Hashable, Sendable {
    public var baseline: String?
    public var rows: [StrategyResult]
    public init(baseline: String?, rows: [StrategyResult]) { self.baseline = baseline; self.rows = rows }
}
