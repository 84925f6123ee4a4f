import DeniCore
import DeniData
import Foundation

/// Text renderings of a results table: aligned plain text for the terminal and GitHub Markdown.
public enum ResultsText {
    public static let headers = ["Strategy", "Runs", "Failed", "Macro-F1 (mean ± std)", "Accuracy (mean ± std)", "Model-steps",
                                 "Cost vs Ensemble", "Wall s", "ΔF1 vs Default [95% CI]", "ΔF1 paired t [95% CI]", "Sign-flip p",
                                 "Wilcoxon p", "Std ratio [95% CI]", "Mean / spread"]

    /// One array of cells per row, in `headers` order.
    public static func cells(_ table: ResultsTable) -> [[String]] {
        table.rows.map { r in
            let s = r.significance
            return [r.strategy, "\(r.runs)", "\(r.failed)", meanStd(r.macroF1), meanStd(r.accuracy), fixed(r.modelSteps, 0),
                    fixed(r.costRelativeToEnsemble, 2) + "×", fixed(r.wallSeconds, 1),
                    s.map { difference($0.meanDifference, pairs: $0.pairs) } ?? "—",
                    s?.tInterval.map { difference($0, pairs: s!.pairs) } ?? "—",
                    s?.signFlipP.map(pValue) ?? "—",
                    s.map { pValue($0.wilcoxonP) } ?? "—",
                    s.map { ratio($0.stdRatio, pairs: $0.pairs) } ?? "—",
                    s.map(verdicts) ?? "—"]
        }
    }

    /// "lower / inconclusive": the mean's and the spread's verdict against the baseline (`PairedComparison`).
    public static func verdicts(_ c: PairedComparison) -> String { c.meanVerdict.rawValue + " / " + c.spreadVerdict.rawValue }

    /// Columns padded to their widest cell (counted in characters), two spaces apart.
    public static func plain(_ table: ResultsTable) -> String { aligned(headers, cells(table)) }

    /// A GitHub-flavoured Markdown table.
    public static func markdown(_ table: ResultsTable) -> String { markdown(headers, cells(table)) }

    /// A GitHub-flavoured Markdown table: the first column left-aligned, the others right-aligned.
    public static func markdown(_ headers: [String], _ rows: [[String]]) -> String {
        var out = "| " + headers.joined(separator: " | ") + " |\n"
        out += "|" + headers.indices.map { $0 == 0 ? " --- |" : " ---: |" }.joined() + "\n"
        for row in rows { out += "| " + row.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n" }
        return out
    }

    /// Cells come from files (session and strategy names): control characters are escaped.
    public static func aligned(_ headers: [String], _ rows: [[String]]) -> String {
        let rows = rows.map { $0.map(\.escapingControlCharacters) }
        var widths = headers.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
                return i == 0 ? c + pad : pad + c
            }.joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    public static func meanStd(_ s: Summary) -> String { s.count == 0 ? "—" : fixed(s.mean, 2) + " ± " + fixed(s.std, 2) }

    public static func fixed(_ x: Double, _ digits: Int) -> String {
        if x.isNaN { return "—" }
        if x.isInfinite { return x > 0 ? "∞" : "-∞" }
        return String(format: "%.\(digits)f", x)
    }

    /// "+0.66 [+0.19, +1.12]": a difference with its interval.
    public static func difference(_ i: Interval) -> String { signed(i.estimate) + " [" + signed(i.low) + ", " + signed(i.high) + "]" }

    /// "0.83 [0.57, 1.61]": a ratio with its interval.
    public static func ratio(_ i: Interval) -> String { fixed(i.estimate, 2) + " [" + fixed(i.low, 2) + ", " + fixed(i.high, 2) + "]" }

    /// `difference(i)` from `PairedComparison.minimumPairs` pairs on; below, the estimate alone: "+0.66 [no CI: 3 pairs]".
    public static func difference(_ i: Interval, pairs: Int) -> String {
        pairs >= PairedComparison.minimumPairs ? difference(i) : signed(i.estimate) + noInterval(pairs)
    }

    /// `ratio(i)` from `PairedComparison.minimumPairs` pairs on; below, the estimate alone: "1.53 [no CI: 3 pairs]".
    public static func ratio(_ i: Interval, pairs: Int) -> String {
        pairs >= PairedComparison.minimumPairs ? ratio(i) : fixed(i.estimate, 2) + noInterval(pairs)
    }

    static func noInterval(_ pairs: Int) -> String { " [no CI: \(pairs) pair\(pairs == 1 ? "" : "s")]" }

    /// A session against the first, with the statistic named: "paired Δ (5 pairs) +0.66 [+0.19, +1.12]" or
    /// "Welch Δ -23.75" (`CrossSessionTest.statistic`); `deni compare` and the UI's Compare screen print this.
    public static func crossSession(_ t: CrossSessionTest) -> String {
        t.statistic + " " + (t.interval.map { difference($0, pairs: t.n) } ?? signed(t.difference))
    }

    /// The test behind `crossSession`: "Wilcoxon p 0.031" or "Welch t p 0.004".
    public static func crossSessionTest(_ t: CrossSessionTest) -> String { (t.kind == "paired" ? "Wilcoxon p " : "Welch t p ") + pValue(t.p) }

    /// What the two statistics are, for a note under a comparison.
    public static let crossSessionNote = "paired Δ: mean of the differences over runs with the same index and seeds (95 % bootstrap CI, "
        + "Wilcoxon p); Welch Δ: difference of the means when fewer than 2 runs pair (Welch's t-test)."

    public static func signed(_ x: Double) -> String { x.isFinite && x >= 0 ? "+" + fixed(x, 2) : fixed(x, 2) }

    public static func pValue(_ p: Double) -> String {
        if p.isNaN { return "—" }
        return p < 0.001 ? String(format: "%.1e", p) : String(format: "%.3f", p)
    }
}
