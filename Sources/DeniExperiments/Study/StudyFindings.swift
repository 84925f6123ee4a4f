import DeniData
import DeniTraining

/// The paper's three headline findings (METHOD.md), judged on a study's cells with fixed rules, so the verdicts
/// follow the numbers as the study grows.
public struct Finding: Codable, Hashable, Sendable {
    public enum Verdict: String, Codable, Sendable {
        case confirmed, notConfirmed = "not confirmed", inconclusive, notRun = "not run"
    }
    /// A verdict on one property the claim makes ("mean", "spread", "mean, pooled", "gain").
    public struct Judged: Codable, Hashable, Sendable {
        public var property: String
        public var verdict: Verdict
    }
    public var number: Int
    public var claim: String
    /// One verdict per property, separately: a claim about mean and spread is judged on each.
    public var verdicts: [Judged]
    /// One sentence per cell (or pair of cells) with the numbers behind the verdicts, then the pooled line.
    public var evidence: [String]

    /// The verdict on `property` (`.notRun` when the finding has none).
    public func verdict(_ property: String) -> Verdict { verdicts.first { $0.property == property }?.verdict ?? .notRun }
}

public enum StudyFindings {
    public static let claims = [
        "DENI beats the best baseline (Ensemble) in mean and std of macro-F1 at about 37 % of its compute.",
        "Mitigation helps parameter-efficient fine-tuning most; PEFT + mitigation can beat full fine-tuning.",
        "DENI combined with augmentation mitigates instability further than DENI alone.",
    ]

    public static func judge(_ cells: [StudyCell]) -> [Finding] {
        [meanAndStdFinding(1, cells, StrategyKind.deni.displayName, against: StrategyKind.ensemble.displayName),
         peftGainsMost(cells),
         meanAndStdFinding(3, cells, StrategyKind.deniAugment.displayName, against: StrategyKind.deni.displayName)]
    }

    /// A higher mean confirms the claim's mean part, a lower one contradicts it (`PairedComparison.meanVerdict`:
    /// the paired t interval up to 12 pairs, the bootstrap above).
    static func mean(_ c: StudyComparison) -> Finding.Verdict {
        switch c.paired.meanVerdict { case .higher: .confirmed; case .lower: .notConfirmed; case .inconclusive: .inconclusive }
    }

    /// A lower spread confirms the claim's spread part, a higher one contradicts it (`PairedComparison.spreadVerdict`).
    static func spread(_ c: StudyComparison) -> Finding.Verdict {
        switch c.paired.spreadVerdict { case .lower: .confirmed; case .higher: .notConfirmed; case .inconclusive: .inconclusive }
    }

    /// Confirmed where some cell confirms and none contradicts; not confirmed the other way round.
    static func overall(_ verdicts: [Finding.Verdict]) -> Finding.Verdict {
        if verdicts.isEmpty { return .notRun }
        let yes = verdicts.contains(.confirmed), no = verdicts.contains(.notConfirmed)
        if yes && !no { return .confirmed }
        if no && !yes { return .notConfirmed }
        return .inconclusive
    }

    static func describe(_ c: StudyComparison, in cell: StudyCell) -> String {
        let p = c.paired
        var s = "\(cell.title): \(c.strategy) − \(c.against) = \(ResultsText.difference(c.meanDifference, pairs: c.pairs)) macro-F1"
        if let t = p.tInterval, c.pairs >= PairedComparison.minimumPairs, t.low.isFinite {
            s += " (paired t \(ResultsText.difference(t))"
            if let f = p.signFlipP { s += ", sign-flip p \(ResultsText.pValue(f))" }
            s += ")"
        }
        s += ", std ratio \(ResultsText.ratio(c.stdRatio, pairs: c.pairs))"
        if c.pairs >= PairedComparison.minimumPairs, p.spreadVerdict == .inconclusive {
            s += p.runsForStdRatio.map { " (an F-test would need \($0) runs per side to detect it)" } ?? " (no number of runs would detect it)"
        }
        return s + ", cost \(ResultsText.fixed(100 * c.costRatio, 0)) % of \(c.against) (model-steps), \(c.pairs) paired runs"
    }

    /// Finding `number` (1 or 3): `strategy` against `against` in every cell that has both, judged on the mean and
    /// on the spread separately, then the mean pooled over the cells (`pooled`).
    static func meanAndStdFinding(_ number: Int, _ cells: [StudyCell], _ strategy: String, against: String) -> Finding {
        var means: [Finding.Verdict] = [], spreads: [Finding.Verdict] = [], evidence: [String] = []
        var compared: [StudyComparison] = []
        for cell in cells {
            guard let c = cell.compare(strategy, with: against) else { continue }
            compared.append(c)
            let m = mean(c), sp = spread(c)
            means.append(m); spreads.append(sp)
            let few = c.pairs < PairedComparison.minimumPairs ? " (fewer than \(PairedComparison.minimumPairs) pairs)" : ""
            evidence.append(describe(c, in: cell) + " → mean \(m.rawValue), spread \(sp.rawValue)\(few).")
        }
        var verdicts = [Finding.Judged(property: "mean", verdict: overall(means)), Finding.Judged(property: "spread", verdict: overall(spreads))]
        if let (line, verdict) = pooled(compared, strategy: strategy, against: against) {
            evidence.append(line)
            verdicts.append(Finding.Judged(property: "mean, pooled", verdict: verdict))
        }
        return Finding(number: number, claim: claims[number - 1], verdicts: verdicts, evidence: evidence)
    }

    /// The mean difference pooled over cells (at least 2, each with `minimumPairs` pairs): the exact sign test over
    /// every pair, and the DerSimonian–Laird random-effects estimate (each cell's mean difference weighted by the
    /// inverse of its variance plus the between-cell variance τ²). Confirmed / not confirmed when the random-effects
    /// interval lies above / below 0.
    static func pooled(_ comparisons: [StudyComparison], strategy: String, against: String) -> (String, Finding.Verdict)? {
        let usable = comparisons.filter { $0.pairs >= PairedComparison.minimumPairs }
        guard usable.count >= 2 else { return nil }
        let above = usable.reduce(0) { $0 + ($1.paired.above ?? 0) }, below = usable.reduce(0) { $0 + ($1.paired.below ?? 0) }
        let pairs = usable.reduce(0) { $0 + $1.pairs }
        let means = usable.map { Statistics.summary($0.differences).mean }
        let variances = usable.map { c -> Double in let s = Statistics.summary(c.differences).sampleStd; return s * s / Double(c.pairs) }
        let re = Statistics.randomEffects(means: means, variances: variances)
        let v: Finding.Verdict = re.estimate.low > 0 ? .confirmed : re.estimate.high < 0 ? .notConfirmed : .inconclusive
        let line = "Pooled over \(usable.count) cells: \(strategy) above \(against) in \(above) of \(pairs) pairs, below in \(below) "
            + "(sign test p \(ResultsText.pValue(Statistics.signTest(positive: above, negative: below)))); random-effects mean difference "
            + "\(ResultsText.difference(re.estimate)) macro-F1 (τ² \(ResultsText.fixed(re.tau2, 2))) → mean, pooled \(v.rawValue)."
        return (line, v)
    }

    /// For each dataset with a full fine-tuning cell and a PEFT cell that both ran Default and DENI: the gain of
    /// DENI over Default (paired) in each, and the difference of the gains (independent bootstrap). Confirmed when
    /// that difference's interval is above 0, not confirmed when below 0. Also reports whether PEFT + DENI's
    /// mean is above full fine-tuning's Default (Welch's t).
    static func peftGainsMost(_ cells: [StudyCell]) -> Finding {
        let deni = StrategyKind.deni.displayName, base = StrategyKind.standard.displayName
        var verdicts: [Finding.Verdict] = [], evidence: [String] = []
        for full in cells where full.config.tuning.kind == .full {
            for peft in cells where peft.config.tuning.kind != .full && peft.config.dataset == full.config.dataset {
                let gains = [peft, full].map { cell -> [Double] in
                    let (d, b) = PairedComparison.pairs(cell.outcomes.finished(deni), cell.outcomes.finished(base))
                    return zip(d, b).map { $0 - $1 }
                }
                guard gains[0].count >= 2, gains[1].count >= 2 else { continue }
                let diff = Statistics.independentBootstrap(gains[0], gains[1], resamples: PairedComparison.bootstrapResamples,
                                                           seed: full.config.baseSeeds.split &+ 2)
                let enough = min(gains[0].count, gains[1].count) >= PairedComparison.minimumPairs
                let v: Finding.Verdict = !enough ? .inconclusive : diff.low > 0 ? .confirmed : diff.high < 0 ? .notConfirmed : .inconclusive
                verdicts.append(v)
                let g = gains.map { $0.reduce(0, +) / Double($0.count) }
                var sentence = "\(peft.title) vs \(full.title): DENI − Default = \(ResultsText.signed(g[0])) (\(gains[0].count) pairs) "
                    + "vs \(ResultsText.signed(g[1])) (\(gains[1].count) pairs); difference \(ResultsText.difference(diff)) → \(v.rawValue)"
                    + (enough ? "." : " (fewer than \(PairedComparison.minimumPairs) pairs).")
                let a = peft.finalF1(deni).sorted { $0.key < $1.key }.map(\.value)
                let b = full.finalF1(base).sorted { $0.key < $1.key }.map(\.value)
                if a.count >= 2, b.count >= 2 {
                    let w = Statistics.welchT(a, b)
                    let ma = Statistics.summary(a).mean, mb = Statistics.summary(b).mean
                    sentence += " \(peft.title) with DENI \(ResultsText.fixed(ma, 2)) vs \(full.title) Default \(ResultsText.fixed(mb, 2)) "
                        + "(Welch p \(ResultsText.pValue(w.p)))."
                }
                evidence.append(sentence)
            }
        }
        return Finding(number: 2, claim: claims[1], verdicts: [Finding.Judged(property: "gain", verdict: overall(verdicts))], evidence: evidence)
    }
}
