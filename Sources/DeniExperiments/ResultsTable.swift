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

/// Controls a running experiment from another thread (UI or signal handler).
public final class RunControl: @unchecked Sendable {
    private let lock = NSLockLike()
    private var _paused = false, _cancelAll = false, _cancelRun = false
    public init() {}
    public var isPaused: Bool { lock.with { _paused } }
    public var isCancelled: Bool { lock.with { _cancelAll } }
    public func pause() { lock.with { _paused = true } }
    public func resume() { lock.with { _paused = false } }
    public func cancelAll() { lock.with { _cancelAll = true; _paused = false } }
    /// Cancels the run in progress; the experiment goes on with the next.
    public func cancelCurrentRun() { lock.with { _cancelRun = true } }
    /// Returns and clears the run-cancel request.
    public func takeRunCancellation() -> Bool { lock.with { let r = _cancelRun; _cancelRun = false; return r } }
}

/// Something that runs experiments and publishes their events (the real runner, or a fake in UI tests).
public protocol ExperimentDriver: AnyObject, Sendable {
    /// Runs `config` to the end on the calling thread, publishing every event to `sink`.
    func run(_ config: ExperimentConfig, sink: EventSink, control: RunControl) throws
}

import Foundation
final class NSLockLike: @unchecked Sendable {
    private let l = NSLock()
    @inline(__always) func with<T>(_ body: () -> T) -> T { l.lock(); defer { l.unlock() }; return body() }
}
