import DeniData
import DeniTraining

extension ResultsTable {
    /// Name of the baseline row (`StrategyKind.standard`'s display name).
    public static let baselineName = StrategyKind.standard.displayName
    /// Resamples of the bootstrap intervals in `Significance`.
    public static let bootstrapResamples = 10_000

    /// Derives the results table from a session's events. The runner's summary and headless replay both call
    /// this, so a replay reproduces the recorded summary exactly.
    ///
    /// Rows follow `config.strategies`; a row's name is `StrategyConfig.label`, which must equal the
    /// `RunID.strategy` of its events. Only the last `run_end` of each run counts (a resumed run may end twice).
    /// - `runs`: finished runs (status `finished` with metrics): the statistics are over these.
    /// - `failed`: runs that ended with status `failed`, plus finished runs whose macro-F1 < 100 / `classCount`
    ///   (these stay in the statistics). Cancelled runs are neither.
    /// - `macroF1`, `accuracy`: `Statistics.summary` of the finished runs' final test metrics.
    /// - `modelSteps`, `wallSeconds`: means of the finished runs' final cost counters.
    /// - `costRelativeToEnsemble`: `modelSteps / (10 × reference)` where the reference is the mean model-steps of
    ///   the Default row's finished runs (a 10-member Ensemble of the same length costs ten Default runs); with no
    ///   finished Default run, the `totalSteps` of the row's own lowest-numbered `run_start`; NaN if neither exists.
    /// - `significance` (non-baseline rows, when Default is present and ≥ 2 run indices finished in both):
    ///   macro-F1 of this row minus Default over pairs with the same run index; paired bootstrap interval of the
    ///   mean difference and paired bootstrap interval of std ratio (10,000 resamples; seeds
    ///   `config.baseSeeds.split` and `config.baseSeeds.split &+ 1`), Wilcoxon signed-rank p.
    public static func derive(config: ExperimentConfig, events: [TrainingEvent], classCount: Int) -> ResultsTable {
        struct Ended { var status: RunStatus; var metrics: RunMetrics?; var cost: CostCounters }
        var ends: [RunID: Ended] = [:]
        var plannedSteps: [RunID: Int] = [:]
        for event in events {
            switch event {
            case let .runEnd(id, status, metrics, cost, _, _, _): ends[id] = Ended(status: status, metrics: metrics, cost: cost)
            case let .runStart(id, _, totalSteps, _, _): plannedSteps[id] = totalSteps
            default: break
            }
        }
        let threshold = classCount > 0 ? 100 / Double(classCount) : 0

        func finished(_ name: String) -> [(run: Int, metrics: RunMetrics, cost: CostCounters)] {
            ends.compactMap { id, end in
                guard id.strategy == name, end.status == .finished, let m = end.metrics else { return nil }
                return (id.run, m, end.cost)
            }.sorted { $0.run < $1.run }
        }
        func mean(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count) }

        let baselineConfig = config.strategies.first { $0.kind == .standard }
        let baseline = baselineConfig.map { finished($0.label) } ?? []
        let baselineSteps = baseline.isEmpty ? nil : mean(baseline.map { Double($0.cost.modelSteps) })

        let rows = config.strategies.map { strategy -> StrategyResult in
            let name = strategy.label
            let done = finished(name)
            let failedOutright = ends.filter { $0.key.strategy == name && $0.value.status == .failed }.count
            let collapsed = done.filter { $0.metrics.macroF1 < threshold }.count
            let steps = mean(done.map { Double($0.cost.modelSteps) })
            let firstPlanned = plannedSteps.filter { $0.key.strategy == name }.min { $0.key.run < $1.key.run }?.value
            let reference = baselineSteps ?? firstPlanned.map(Double.init) ?? .nan
            var significance: Significance? = nil
            if strategy.kind != .standard, baselineConfig != nil {
                let base = Dictionary(baseline.map { ($0.run, $0.metrics.macroF1) }, uniquingKeysWith: { a, _ in a })
                let pairs = done.compactMap { r in base[r.run].map { (r.metrics.macroF1, $0) } }
                if pairs.count >= 2 {
                    let a = pairs.map(\.0), b = pairs.map(\.1)
                    significance = Significance(
                        meanDifference: Statistics.pairedBootstrap(a, b, resamples: bootstrapResamples, seed: config.baseSeeds.split),
                        wilcoxonP: Statistics.wilcoxonSignedRank(a, b),
                        stdRatio: Statistics.stdRatioBootstrap(a, b, paired: true, resamples: bootstrapResamples,
                                                               seed: config.baseSeeds.split &+ 1),
                        pairs: pairs.count)
                }
            }
            return StrategyResult(strategy: name, runs: done.count, failed: failedOutright + collapsed,
                                  macroF1: Statistics.summary(done.map(\.metrics.macroF1)),
                                  accuracy: Statistics.summary(done.map(\.metrics.accuracy)),
                                  modelSteps: steps, costRelativeToEnsemble: steps / (10 * reference),
                                  wallSeconds: mean(done.map(\.cost.wallSeconds)), significance: significance)
        }
        return ResultsTable(baseline: baselineConfig?.label, rows: rows)
    }

    /// True when both tables encode to the same JSON (NaN equals NaN here, unlike `==`).
    public func encodesIdentically(to other: ResultsTable) -> Bool {
        let e = SessionFormat.encoder(pretty: false)
        guard let a = try? e.encode(self), let b = try? e.encode(other) else { return false }
        return a == b
    }
}
