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
}

/// One strategy across sessions.
public struct ComparisonRow: Codable, Hashable, Sendable {
    public var strategy: String
    /// The strategy's row in each session (nil where a session did not run it).
    public var results: [StrategyResult?]
    /// For each session after the first: the test against the first session (nil when either side lacks 2 runs).
    public var tests: [CrossSessionTest?]
}

/// `deni compare`: the rows of several sessions side by side, tested against the first session.
public struct SessionComparison: Codable, Hashable, Sendable {
    public var sessions: [String]
    public var rows: [ComparisonRow]
    /// Sessions that did not run on the first session's data or model: their rows are not the same experiment.
    public var warnings: [String] = []

    /// Strategies in order of first appearance. Runs pair under `PairedComparison`'s rule (same run index, same
    /// recorded seeds); with at least 2 pairs the test is paired (`PairedComparison`, seeded with the first
    /// session's `baseSeeds.split`), otherwise the runs are independent samples and Welch's t-test applies.
    public init(_ sessions: [RecordedSession]) {
        self.init(sessions.map { ($0.manifest.name, $0.config, $0.events, SessionExport.results($0)) })
        guard let first = sessions.first?.manifest else { return }
        for (k, s) in sessions.enumerated().dropFirst() {
            let m = s.manifest
            if m.dataset.key != first.dataset.key || m.dataset.filesHash != first.dataset.filesHash {
                warnings.append("S\(k + 1) (\(m.name)) ran on dataset '\(m.dataset.key)' (\(m.dataset.filesHash.prefix(19))…), S1 on '\(first.dataset.key)' (\(first.dataset.filesHash.prefix(19))…): its results are not comparable with S1's")
            }
            if let a = first.model.weightsSHA256, let b = m.model.weightsSHA256, a != b {
                warnings.append("S\(k + 1) (\(m.name)) used other model weights (sha256 \(b.prefix(12))…, S1 \(a.prefix(12))…)")
            }
        }
    }

    /// The same from loaded sessions: name, config, events and results table of each.
    public init(_ sessions: [(name: String, config: ExperimentConfig, events: [TrainingEvent], table: ResultsTable)]) {
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
