import DeniData
import DeniTraining

/// The paper's three headline findings (METHOD.md), judged on a study's cells with fixed rules, so the verdicts
/// follow the numbers as the study grows.
public struct Finding: Codable, Hashable, Sendable {
    public enum Verdict: String, Codable, Sendable {
        case confirmed, notConfirmed = "not confirmed", inconclusive, notRun = "not run"
    }
    public var number: Int
    public var claim: String
    public var verdict: Verdict
    /// One sentence per cell (or pair of cells) with the numbers behind the verdict.
    public var evidence: [String]
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

    /// Better in mean and std: Δ interval above 0 and std-ratio interval below 1; worse: Δ interval below 0 or
    /// std-ratio interval above 1; anything else, or fewer than `PairedComparison.minimumPairs` pairs, is inconclusive.
    static func meanAndStd(_ c: StudyComparison) -> Finding.Verdict {
        if c.pairs < PairedComparison.minimumPairs { return .inconclusive }
        if c.meanDifference.low > 0 && c.stdRatio.high < 1 { return .confirmed }
        if c.meanDifference.high < 0 || c.stdRatio.low > 1 { return .notConfirmed }
        return .inconclusive
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
        "\(cell.title): \(c.strategy) − \(c.against) = \(ResultsText.difference(c.meanDifference, pairs: c.pairs)) macro-F1, "
            + "std ratio \(ResultsText.ratio(c.stdRatio, pairs: c.pairs)), "
            + "cost \(ResultsText.fixed(100 * c.costRatio, 0)) % of \(c.against) (model-steps), \(c.pairs) paired runs"
    }

    /// Finding `number` (1 or 3): `strategy` against `against` in every cell that has both, by `meanAndStd`.
    static func meanAndStdFinding(_ number: Int, _ cells: [StudyCell], _ strategy: String, against: String) -> Finding {
        var verdicts: [Finding.Verdict] = [], evidence: [String] = []
        for cell in cells {
            guard let c = cell.compare(strategy, with: against) else { continue }
            let v = meanAndStd(c)
            verdicts.append(v)
            evidence.append(describe(c, in: cell) + " → \(v.rawValue)\(c.pairs < PairedComparison.minimumPairs ? " (fewer than \(PairedComparison.minimumPairs) pairs)" : "").")
        }
        return Finding(number: number, claim: claims[number - 1], verdict: overall(verdicts), evidence: evidence)
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
        return Finding(number: 2, claim: claims[1], verdict: overall(verdicts), evidence: evidence)
    }
}
