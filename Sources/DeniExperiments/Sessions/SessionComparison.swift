import DeniCore
import DeniData
import DeniTraining
import Foundation

/// A strategy in session k compared with the same strategy in the first session.
public struct CrossSessionTest: Codable, Hashable, Sendable {
    /// "paired" when every common run index used the same seeds in both sessions (≥ 2 of them), else "welch".
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

    /// Strategies in order of first appearance. Runs are matched by run index; a paired test needs identical
    /// `run_start` seeds at every common index (same experiment seeds), otherwise runs are independent samples
    /// and Welch's t-test applies. The bootstrap seed is the first session's `baseSeeds.split`.
    public init(_ sessions: [RecordedSession]) {
        self.sessions = sessions.map(\.manifest.name)
        let tables = sessions.map(SessionExport.results)
        let runs = sessions.map(Self.finalRuns)
        var order: [String] = []
        for t in tables { for r in t.rows where !order.contains(r.strategy) { order.append(r.strategy) } }
        let seed = sessions.first?.config.baseSeeds.split ?? 0
        rows = order.map { name in
            let results = tables.map { t in t.rows.first { $0.strategy == name } }
            let first = runs.first?[name] ?? [:]
            let tests = runs.dropFirst().map { other -> CrossSessionTest? in
                Self.test(first, other[name] ?? [:], seed: seed)
            }
            return ComparisonRow(strategy: name, results: results, tests: tests)
        }
    }

    /// strategy → run index → (seeds, final macro-F1) of finished runs (the last `run_end` of a run counts).
    static func finalRuns(_ s: RecordedSession) -> [String: [Int: (Seeds?, Double)]] { finalRuns(s.events) }

    static func finalRuns(_ events: [TrainingEvent]) -> [String: [Int: (Seeds?, Double)]] {
        var seeds: [RunID: Seeds] = [:]
        var f1: [RunID: Double?] = [:]
        for event in events {
            switch event {
            case let .runStart(id, sd, _, _, _): seeds[id] = sd
            case let .runEnd(id, status, metrics, _, _, _, _): f1[id] = status == .finished ? metrics?.macroF1 : nil
            default: break
            }
        }
        var out: [String: [Int: (Seeds?, Double)]] = [:]
        for (id, value) in f1 { if let v = value { out[id.strategy, default: [:]][id.run] = (seeds[id], v) } }
        return out
    }

    static func test(_ a: [Int: (Seeds?, Double)], _ b: [Int: (Seeds?, Double)], seed: UInt64) -> CrossSessionTest? {
        let common = Set(a.keys).intersection(b.keys).sorted()
        let seedsMatch = common.count >= 2 && common.allSatisfy { a[$0]!.0 != nil && a[$0]!.0 == b[$0]!.0 }
        if seedsMatch {
            let x = common.map { b[$0]!.1 }, y = common.map { a[$0]!.1 }
            let interval = Statistics.pairedBootstrap(x, y, resamples: ResultsTable.bootstrapResamples, seed: seed)
            return CrossSessionTest(kind: "paired", difference: interval.estimate, interval: interval,
                                    p: Statistics.wilcoxonSignedRank(x, y), t: nil, df: nil, n: common.count)
        }
        let x = b.keys.sorted().map { b[$0]!.1 }, y = a.keys.sorted().map { a[$0]!.1 }
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
