import DeniCore
import DeniData
import DeniTraining

/// How each run of an experiment ended, read from its events — the one place "the final result of a run" is
/// defined. The last `run_end` of a run counts (a resumed run may end twice); its seeds and planned length are
/// those of its last `run_start`.
public struct RunOutcomes: Hashable, Sendable {
    public struct Outcome: Hashable, Sendable {
        public var seeds: Seeds?
        /// Main-model steps the run planned (`run_start`), nil without one.
        public var plannedSteps: Int?
        public var status: RunStatus
        public var metrics: RunMetrics?
        public var cost: CostCounters
        /// Finished with test metrics: the runs statistics are computed over.
        public var isFinished: Bool { status == .finished && metrics != nil }
    }

    /// Ended runs (a started run without an end is not here; see `plannedSteps`).
    public private(set) var ended: [RunID: Outcome] = [:]
    /// `run_start`'s planned steps of every started run, ended or not.
    public private(set) var plannedSteps: [RunID: Int] = [:]
    private var seeds: [RunID: Seeds] = [:]

    public init(_ events: [TrainingEvent] = []) {
        for event in events { record(event) }
    }

    /// Takes one more event into account (run starts and ends; others are ignored).
    public mutating func record(_ event: TrainingEvent) {
        switch event {
        case let .runStart(id, s, totalSteps, _, _): seeds[id] = s; plannedSteps[id] = totalSteps
        case let .runEnd(id, status, metrics, cost, _, _, _):
            ended[id] = Outcome(seeds: seeds[id], plannedSteps: plannedSteps[id], status: status, metrics: metrics, cost: cost)
        default: break
        }
    }

    /// Finished runs of `strategy` by run index.
    public func finished(_ strategy: String) -> [Int: Outcome] {
        var out: [Int: Outcome] = [:]
        for (id, o) in ended where id.strategy == strategy && o.isFinished { out[id.run] = o }
        return out
    }

    /// Final macro-F1 of the finished runs of `strategy` by run index.
    public func finalF1(_ strategy: String) -> [Int: Double] { finished(strategy).mapValues { $0.metrics!.macroF1 } }

    /// Strategies with at least one finished run.
    public var strategies: Set<String> { Set(ended.filter { $0.value.isFinished }.map(\.key.strategy)) }

    /// The state of a started run once the experiment is over: how its last `run_end` left it, or interrupted
    /// without one; nil for a run that never started.
    public func state(_ id: RunID) -> RunState? {
        if let o = ended[id] { return RunState(o.status) }
        return plannedSteps[id] == nil ? nil : .interrupted
    }

    /// Runs of `strategy` that started and are in `state` once the experiment is over.
    public func count(_ state: RunState, strategy: String) -> Int {
        Set(plannedSteps.keys).union(ended.keys).filter { $0.strategy == strategy && self.state($0) == state }.count
    }

    /// Runs of `strategy` that ended with status `failed`.
    public func failedCount(_ strategy: String) -> Int { ended.filter { $0.key.strategy == strategy && $0.value.status == .failed }.count }
}
