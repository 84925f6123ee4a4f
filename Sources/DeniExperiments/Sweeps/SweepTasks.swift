import DeniTraining
import Foundation

/// The tasks of a recorded experiment: task `i` is run `first + i / S` of strategy `i % S` (S strategies, variants
/// and baselines alike; `first` the config's first run), the order `ExperimentRunner` trains them in. Workers and
/// Slurm array tasks name their share by task index; which process trains a task never changes its result (its
/// seeds are those of its run index).
public struct SweepTasks: Sendable, Equatable {
    /// The strategies' labels (their identities in run ids), in config order.
    public let strategies: [String]
    public let runs: Int
    public let firstRun: Int

    public init(_ config: ExperimentConfig) {
        strategies = config.strategies.map(\.label)
        runs = config.runs
        firstRun = config.firstRun
    }

    public var count: Int { strategies.count * runs }

    /// The run task `index` trains.
    public func run(_ index: Int) -> RunID {
        RunID(strategy: strategies[index % strategies.count], run: firstRun + index / strategies.count)
    }

    /// The tasks of array task `k` when each array task trains `perJob` consecutive tasks.
    public func share(_ k: Int, perJob: Int) -> Range<Int> {
        let start = min(count, k * perJob)
        return start..<min(count, start + perJob)
    }

    /// Array tasks needed for every task, `perJob` each.
    public func arraySize(perJob: Int) -> Int { (count + perJob - 1) / perJob }

    /// The tasks whose run has finished (its last `run_end` says finished) among `finished`.
    public func done(_ finished: Set<RunID>) -> Set<Int> {
        Set((0..<count).filter { finished.contains(run($0)) })
    }
}
