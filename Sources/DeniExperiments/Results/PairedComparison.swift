import DeniData
import DeniTraining

/// One strategy against a reference over paired runs — the one paired-comparison derivation, used by the
/// results table (`deni run`, `show`, the UI's Results), `deni compare` (the same strategy in two sessions),
/// the study report and the UI's Compare screen.
///
/// **Pairing rule**: a pair is a run index finished by both sides whose recorded seeds (`run_start`) are
/// identical, so the two runs differ only in what is compared. Runs of one experiment with the same index
/// always pair (run i of every strategy shares run i's seeds); runs of two sessions pair only where their seeds
/// agree. Pairs are taken in run-index order.
public struct PairedComparison: Codable, Hashable, Sendable {
    /// Mean of (strategy − reference) macro-F1 over the pairs, with a paired bootstrap 95 % interval.
    public var meanDifference: Interval
    /// Two-sided Wilcoxon signed-rank p-value of the paired differences.
    public var wilcoxonP: Double
    /// std(strategy) / std(reference) over the pairs, with a paired bootstrap 95 % interval.
    public var stdRatio: Interval
    public var pairs: Int
    /// Paired t 95 % interval of the mean difference and the t-test's two-sided p (`Statistics.pairedT`).
    /// Absent from summaries recorded before these statistics existed (as are the fields below).
    public var tInterval: Interval?
    public var tP: Double?
    /// Exact sign-flip permutation p over all 2ⁿ sign patterns (up to `Statistics.exactSignFlipLimit` pairs).
    public var signFlipP: Double?
    /// Pairs in which the strategy scored above / below the reference (the sign test's counts).
    public var above: Int?
    public var below: Int?
    /// Runs per side a two-sided F-test (α 0.05, power 0.8) would need to detect the observed std ratio; nil when
    /// the ratio is 1 or beyond 100,000 runs.
    public var runsForStdRatio: Int?

    /// Fewer pairs than this get no interval in print and no verdict in a study: a paired bootstrap over 2-4 pairs
    /// has 3-35 distinct resamples, so its interval means little (over 2 the std-ratio one collapses onto the
    /// estimate). 5 is issue #8's minimum of Ensemble runs.
    public static let minimumPairs = 5
    /// Resamples of the bootstrap intervals.
    public static let bootstrapResamples = 10_000

    /// Up to this many pairs the mean's verdict rests on the paired t interval (the bootstrap's percentile
    /// interval is too narrow over so few pairs); above, on the bootstrap interval.
    public static let smallSampleLimit = 12

    public init(meanDifference: Interval, wilcoxonP: Double, stdRatio: Interval, pairs: Int) {
        self.meanDifference = meanDifference; self.wilcoxonP = wilcoxonP; self.stdRatio = stdRatio; self.pairs = pairs
    }

    /// The pairs of `strategy` against `reference` under the pairing rule: (strategy's F1, reference's F1).
    public static func pairs(_ strategy: [Int: RunOutcomes.Outcome], _ reference: [Int: RunOutcomes.Outcome]) -> (a: [Double], b: [Double]) {
        var a: [Double] = [], b: [Double] = []
        for run in strategy.keys.sorted() {
            guard let x = strategy[run], let y = reference[run], let s = x.seeds, s == y.seeds,
                  let fx = x.metrics?.macroF1, let fy = y.metrics?.macroF1 else { continue }
            a.append(fx); b.append(fy)
        }
        return (a, b)
    }

    /// `strategy` against `reference` (finished runs by index, e.g. `RunOutcomes.finished`); nil below 2 pairs.
    /// The bootstrap draws from `seed` (mean) and `seed &+ 1` (std ratio): callers pass the experiment's
    /// `baseSeeds.split`, so a comparison re-derives to the same digits.
    public init?(_ strategy: [Int: RunOutcomes.Outcome], against reference: [Int: RunOutcomes.Outcome], seed: UInt64) {
        let (a, b) = Self.pairs(strategy, reference)
        guard a.count >= 2 else { return nil }
        self.init(meanDifference: Statistics.pairedBootstrap(a, b, resamples: Self.bootstrapResamples, seed: seed),
                  wilcoxonP: Statistics.wilcoxonSignedRank(a, b),
                  stdRatio: Statistics.stdRatioBootstrap(a, b, paired: true, resamples: Self.bootstrapResamples, seed: seed &+ 1),
                  pairs: a.count)
        let t = Statistics.pairedT(a, b)   // undefined when every difference is the same: left out
        if t.p.isFinite { tInterval = t.interval; tP = t.p }
        let flip = Statistics.signFlipP(a, b)
        signFlipP = flip.isNaN ? nil : flip
        above = zip(a, b).filter { $0 > $1 }.count; below = zip(a, b).filter { $0 < $1 }.count
        runsForStdRatio = Statistics.runsToDetectStdRatio(stdRatio.estimate)
    }

    /// What the pairs say about one property (mean or spread) of the strategy against the reference.
    public enum Verdict: String, Codable, Hashable, Sendable {
        case higher, lower, inconclusive
    }

    /// The interval the mean's verdict rests on: the paired t interval up to `smallSampleLimit` pairs (when
    /// recorded), else the bootstrap interval.
    public var meanInterval: Interval {
        if pairs <= Self.smallSampleLimit, let t = tInterval { return t }
        return meanDifference
    }

    /// Higher / lower when `meanInterval` excludes 0 on that side; inconclusive otherwise or below `minimumPairs`.
    public var meanVerdict: Verdict {
        guard pairs >= Self.minimumPairs else { return .inconclusive }
        let i = meanInterval
        return i.low > 0 ? .higher : i.high < 0 ? .lower : .inconclusive
    }

    /// Higher / lower spread when the std-ratio interval lies above / below 1; inconclusive otherwise or below
    /// `minimumPairs` (`runsForStdRatio` says how far from conclusive).
    public var spreadVerdict: Verdict {
        guard pairs >= Self.minimumPairs else { return .inconclusive }
        return stdRatio.low > 1 ? .higher : stdRatio.high < 1 ? .lower : .inconclusive
    }
}
