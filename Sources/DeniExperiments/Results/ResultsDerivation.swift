import DeniData
import DeniTraining

extension ResultsTable {
    /// Name of the baseline row (`StrategyKind.standard`'s display name).
    public static let baselineName = StrategyKind.standard.displayName

    /// Derives the results table from a session's events. The runner's summary, `show`, `replay`, the study
    /// report and the UI's Results screen all call this, so each reproduces the recorded summary exactly.
    ///
    /// Rows follow `config.strategies`; a row's name is `StrategyConfig.label`, which must equal the
    /// `RunID.strategy` of its events. Run outcomes are `RunOutcomes`'s (the last `run_end` of a run counts).
    /// - `runs`: finished runs (status `finished` with metrics): the statistics are over these.
    /// - `failed`: runs that ended with status `failed`, plus finished runs whose macro-F1 < 100 / `classCount`
    ///   (these stay in the statistics). Cancelled runs are neither.
    /// - `macroF1`, `accuracy`: `Statistics.summary` of the finished runs' final test metrics.
    /// - `modelSteps`, `wallSeconds`: means of the finished runs' final cost counters.
    /// - `costRelativeToEnsemble`: see `costRelativeToEnsemble(modelSteps:strategy:outcomes:config:)`.
    /// - `significance` (non-baseline rows, when Default is present): `PairedComparison` of the row against
    ///   Default — the Default trained under the same experiment-level settings (`ExperimentConfig.baseline(for:)`)
    ///   — seeded with `config.baseSeeds.split`; nil below 2 pairs.
    public static func derive(config: ExperimentConfig, events: [TrainingEvent], classCount: Int) -> ResultsTable {
        derive(config: config, outcomes: RunOutcomes(events), classCount: classCount)
    }

    /// The same from run outcomes already collected (the UI keeps them as events arrive).
    public static func derive(config: ExperimentConfig, outcomes: RunOutcomes, classCount: Int) -> ResultsTable {
        let threshold = classCount > 0 ? 100 / Double(classCount) : 0
        func mean(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count) }

        let baselineConfig = config.strategies.first { $0.kind == .standard }
        let rows = config.strategies.map { strategy -> StrategyResult in
            let name = strategy.label
            let pairedWith = config.baseline(for: strategy)
            let baseline = pairedWith.map { outcomes.finished($0.label) } ?? [:]
            let done = outcomes.finished(name).sorted { $0.key < $1.key }.map(\.value)
            let metrics = done.map { $0.metrics! }
            let collapsed = metrics.filter { $0.macroF1 < threshold }.count
            let steps = mean(done.map { Double($0.cost.modelSteps) })
            let significance = strategy.kind != .standard && pairedWith != nil
                ? PairedComparison(outcomes.finished(name), against: baseline, seed: config.baseSeeds.split) : nil
            return StrategyResult(strategy: name, runs: done.count, failed: outcomes.failedCount(name) + collapsed,
                                  macroF1: Statistics.summary(metrics.map(\.macroF1)),
                                  accuracy: Statistics.summary(metrics.map(\.accuracy)),
                                  modelSteps: steps, costRelativeToEnsemble: costRelativeToEnsemble(modelSteps: steps, strategy: name, outcomes: outcomes, config: config),
                                  wallSeconds: mean(done.map(\.cost.wallSeconds)), significance: significance)
        }
        return ResultsTable(baseline: baselineConfig?.label, rows: rows)
    }

    /// The one cost definition: model-steps relative to a 10-member Ensemble of the experiment's length, i.e.
    /// `modelSteps / (10 × reference)`, where the reference is one Default run: the mean model-steps of the
    /// finished runs of the Default it is paired with (`ExperimentConfig.baseline(for:)`); with none finished, the `totalSteps` of `strategy`'s own lowest-numbered
    /// `run_start`; NaN if neither exists. A strategy that trains twice as long as Default (Best practices)
    /// therefore costs 0.2×, not 0.1×. The UI's per-run figures use the same reference.
    public static func costRelativeToEnsemble(modelSteps: Double, strategy: String, outcomes: RunOutcomes, config: ExperimentConfig) -> Double {
        let own = config.strategies.first { $0.label == strategy }
        let base = (own.flatMap(config.baseline(for:)) ?? config.strategies.first { $0.kind == .standard }).map { outcomes.finished($0.label) } ?? [:]
        let reference: Double
        if !base.isEmpty {
            reference = base.values.map { Double($0.cost.modelSteps) }.reduce(0, +) / Double(base.count)
        } else if let first = outcomes.plannedSteps.filter({ $0.key.strategy == strategy }).min(by: { $0.key.run < $1.key.run }) {
            reference = Double(first.value)
        } else {
            reference = .nan
        }
        return modelSteps / (10 * reference)
    }

    /// True when both tables encode to the same JSON (NaN equals NaN here, unlike `==`).
    public func encodesIdentically(to other: ResultsTable) -> Bool {
        let e = SessionFormat.encoder(pretty: false)
        guard let a = try? e.encode(self), let b = try? e.encode(other) else { return false }
        return a == b
    }
}
