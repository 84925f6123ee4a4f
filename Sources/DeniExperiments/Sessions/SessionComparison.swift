import DeniCore
import DeniData
import DeniTraining
import Foundation

/// A strategy in session k compared with the same strategy in the first session.
public struct CrossSessionTest: Codable, Hashable, Sendable {
    /// "paired" when at least 2 run indices pair (`PairedComparison`'s rule), else "welch".
    public var kind: String
    /// Mean macro-F1 of this session minus the first's (over the pairs when paired).
    public var difference: Double
    /// Paired: bootstrap 95 % interval of the mean difference; Welch: nil.
    public var interval: Interval?
    /// Paired: Wilcoxon signed-rank p; Welch: Welch's t-test p.
    public var p: Double
    /// Welch only.
    public var t: Double?
    public var df: Double?
    /// Pairs (paired) or total runs (Welch).
    public var n: Int

    /// What `difference` is, for every front end: "paired Δ (5 pairs)" (the mean of the paired differences) or
    /// "Welch Δ" (the difference of the two means, runs taken as independent samples).
    public var statistic: String { kind == "paired" ? "paired Δ (\(n) pair\(n == 1 ? "" : "s"))" : "Welch Δ" }
}

/// One strategy across sessions.
public struct ComparisonRow: Codable, Hashable, Sendable {
    public var strategy: String
    /// The strategy's row in each session (nil where a session did not run it).
    public var results: [StrategyResult?]
    /// For each session after the first: the test against the first session (nil when either side lacks 2 runs).
    public var tests: [CrossSessionTest?]
}

/// One session as a comparison needs it: name, config, events, results table, and what it ran on (nil where a
/// caller does not know; then no warning is derived from it).
public struct ComparedSession: Sendable {
    public var name: String
    public var config: ExperimentConfig
    public var events: [TrainingEvent]
    public var table: ResultsTable
    public var dataset: DatasetIdentity?
    public var model: ModelIdentity?

    public init(name: String, config: ExperimentConfig, events: [TrainingEvent], table: ResultsTable,
                dataset: DatasetIdentity? = nil, model: ModelIdentity? = nil) {
        self.name = name; self.config = config; self.events = events; self.table = table; self.dataset = dataset; self.model = model
    }

    public init(_ s: RecordedSession) {
        self.init(name: s.manifest.name, config: s.config, events: s.events, table: SessionExport.results(s),
                  dataset: s.manifest.dataset, model: s.manifest.model)
    }
}

/// `deni compare` and the UI's Compare screen: the rows of several sessions side by side, tested against the
/// first session.
public struct SessionComparison: Codable, Hashable, Sendable {
    public var sessions: [String]
    public var rows: [ComparisonRow]
    /// Sessions that did not run on the first session's data, model or protocol: their rows are not the same experiment.
    public var warnings: [String] = []

    public init(_ sessions: [RecordedSession]) { self.init(sessions.map(ComparedSession.init)) }

    /// Strategies in order of first appearance. Runs pair under `PairedComparison`'s rule (same run index, same
    /// recorded seeds); with at least 2 pairs the test is paired (`PairedComparison`, seeded with the first
    /// session's `baseSeeds.split`), otherwise the runs are independent samples and Welch's t-test applies.
    public init(_ sessions: [ComparedSession]) {
        self.sessions = sessions.map(\.name)
        let outcomes = sessions.map { RunOutcomes($0.events) }
        var order: [String] = []
        for s in sessions { for r in s.table.rows where !order.contains(r.strategy) { order.append(r.strategy) } }
        let seed = sessions.first?.config.baseSeeds.split ?? 0
        rows = order.map { name in
            let results = sessions.map { s in s.table.rows.first { $0.strategy == name } }
            let first = outcomes.first?.finished(name) ?? [:]
            let tests = outcomes.dropFirst().map { Self.test(first, $0.finished(name), seed: seed) }
            return ComparisonRow(strategy: name, results: results, tests: tests)
        }
        guard let first = sessions.first else { return }
        for (k, s) in sessions.enumerated().dropFirst() {
            if let d0 = first.dataset, let d = s.dataset, d.key != d0.key || d.filesHash != d0.filesHash {
                warnings.append("S\(k + 1) (\(s.name)) ran on dataset '\(d.key)' (\(d.filesHash.prefix(19))…), S1 on '\(d0.key)' (\(d0.filesHash.prefix(19))…): its results are not comparable with S1's")
            }
            if let a = first.model?.weightsSHA256, let b = s.model?.weightsSHA256, a != b {
                warnings.append("S\(k + 1) (\(s.name)) used other model weights (sha256 \(b.prefix(12))…, S1 \(a.prefix(12))…)")
            }
            // Runs pair by index and seeds; under another protocol a "pair" compares different experiments.
            let a = first.config, b = s.config
            let differences = [("samples", "\(a.trainSamples)", "\(b.trainSamples)"), ("epochs", "\(a.epochs)", "\(b.epochs)"),
                               ("batch size", "\(a.batchSize)", "\(b.batchSize)"),
                               ("tuning", a.tuning.kind.rawValue, b.tuning.kind.rawValue),
                               ("learning rate", "\(a.effectiveLearningRate)", "\(b.effectiveLearningRate)")]
                .filter { $0.1 != $0.2 }.map { "\($0.0) \($0.2) (S1 \($0.1))" }
            if !differences.isEmpty {
                warnings.append("S\(k + 1) (\(s.name)) ran another protocol: \(differences.joined(separator: ", ")); its differences from S1 mix the strategies' effect with the protocol's")
            }
        }
    }

    static func test(_ a: [Int: RunOutcomes.Outcome], _ b: [Int: RunOutcomes.Outcome], seed: UInt64) -> CrossSessionTest? {
        if let p = PairedComparison(b, against: a, seed: seed) {
            return CrossSessionTest(kind: "paired", difference: p.meanDifference.estimate, interval: p.meanDifference,
                                    p: p.wilcoxonP, t: nil, df: nil, n: p.pairs)
        }
        let x = b.keys.sorted().map { b[$0]!.metrics!.macroF1 }, y = a.keys.sorted().map { a[$0]!.metrics!.macroF1 }
        guard x.count >= 2, y.count >= 2 else { return nil }
        let w = Statistics.welchT(x, y)
        return CrossSessionTest(kind: "welch", difference: Statistics.summary(x).mean - Statistics.summary(y).mean, interval: nil,
                                p: w.p, t: w.t, df: w.df, n: x.count + y.count)
    }
}

extension SessionFormat {
    /// Pretty JSON text of `value` (the CLI's `--json` output), with the session conventions.
    public static func jsonText<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder(pretty: true).encode(value), as: UTF8.self)
    }
}
