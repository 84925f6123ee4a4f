import DeniData
import Foundation

/// Text renderings of a results table: aligned plain text for the terminal and GitHub Markdown.
public enum ResultsText {
    public static let headers = ["Strategy", "Runs", "Failed", "Macro-F1 (mean ± std)", "Accuracy (mean ± std)", "Model-steps",
                                 "Cost vs Ensemble", "Wall s", "ΔF1 vs Default [95% CI]", "Wilcoxon p", "Std ratio [95% CI]"]

    /// One array of cells per row, in `headers` order.
    public static func cells(_ table: ResultsTable) -> [[String]] {
        table.rows.map { r in
            let s = r.significance
            return [r.strategy, "\(r.runs)", "\(r.failed)", meanStd(r.macroF1), meanStd(r.accuracy), fixed(r.modelSteps, 0),
                    fixed(r.costRelativeToEnsemble, 2) + "×", fixed(r.wallSeconds, 1),
                    s.map { signed($0.meanDifference.estimate) + " [" + signed($0.meanDifference.low) + ", " + signed($0.meanDifference.high) + "]" } ?? "—",
                    s.map { pValue($0.wilcoxonP) } ?? "—",
                    s.map { fixed($0.stdRatio.estimate, 2) + " [" + fixed($0.stdRatio.low, 2) + ", " + fixed($0.stdRatio.high, 2) + "]" } ?? "—"]
        }
    }

    /// Columns padded to their widest cell (counted in characters), two spaces apart.
    public static func plain(_ table: ResultsTable) -> String { aligned(headers, cells(table)) }

    /// A GitHub-flavoured Markdown table.
    public static func markdown(_ table: ResultsTable) -> String {
        var out = "| " + headers.joined(separator: " | ") + " |\n"
        out += "|" + headers.enumerated().map { $0.offset == 0 ? " --- |" : " ---: |" }.joined() + "\n"
        for row in cells(table) { out += "| " + row.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n" }
        return out
    }

    public static func aligned(_ headers: [String], _ rows: [[String]]) -> String {
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

    public static func signed(_ x: Double) -> String { x.isFinite && x >= 0 ? "+" + fixed(x, 2) : fixed(x, 2) }

    public static func pValue(_ p: Double) -> String {
        if p.isNaN { return "—" }
        return p < 0.001 ? String(format: "%.1e", p) : String(format: "%.3f", p)
    }
}
