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

    /// Fewer pairs than this get no interval in print and no verdict in a study: a paired bootstrap over 2-4 pairs
    /// has 3-35 distinct resamples, so its interval means little (over 2 the std-ratio one collapses onto the
    /// estimate). 5 is issue #8's minimum of Ensemble runs.
    public static let minimumPairs = 5
    /// Resamples of the bootstrap intervals.
    public static let bootstrapResamples = 10_000

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
    }
}
