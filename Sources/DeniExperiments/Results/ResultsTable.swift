import DeniData
import DeniTraining

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
    /// Against Default (the one paired-comparison derivation); nil for Default itself and below 2 pairs.
    public var significance: PairedComparison?
    public init(strategy: String, runs: Int, failed: Int, macroF1: Summary, accuracy: Summary, modelSteps: Double,
                costRelativeToEnsemble: Double, wallSeconds: Double, significance: PairedComparison?) {
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
