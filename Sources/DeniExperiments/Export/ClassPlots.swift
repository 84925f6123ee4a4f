import DeniData
import DeniTraining
import Foundation

/// Per-class pictures of a session's finished runs (their final test metrics), with the session's class names.
///
/// - `perClassF1`: one heat map, a row per strategy and a column per class, each cell the mean per-class F1 (%)
///   over the strategy's finished runs.
/// - `confusion`: one heat map per strategy (`<g class="panel" data-strategy="…">`), rows the true class, columns
///   the predicted one; each cell is the count of test examples summed over the strategy's finished runs, shaded
///   by its share of the true class (the row).
///
/// Every `rect.cell` carries `data-row`, `data-column` and `data-value` (the number shown).
public enum ClassPlots {
    /// Finished runs' metrics per strategy, in `strategies` order (strategies without one are left out).
    static func metrics(_ events: [TrainingEvent], strategies: [String]) -> [(strategy: String, runs: [RunMetrics])] {
        let outcomes = RunOutcomes(events)
        return strategies.compactMap { name in
            let runs = outcomes.finished(name).sorted { $0.key < $1.key }.compactMap { $0.value.metrics }
            return runs.isEmpty ? nil : (name, runs)
        }
    }

    static func cellSize(_ n: Int) -> Double { min(48, max(16, 420 / Double(max(1, n)))) }
    static func labelWidth(_ names: [String]) -> Double { min(170, 12 + 7 * Double(names.map(\.count).max() ?? 1)) }

    public static func perClassF1(events: [TrainingEvent], strategies: [String], classNames: [String]) -> String {
        let rows = metrics(events, strategies: strategies)
        let values = rows.map { row in
            classNames.indices.map { c -> Double in
                let v = row.runs.compactMap { c < $0.perClassF1.count ? $0.perClassF1[c] : nil }
                return v.isEmpty ? .nan : Statistics.summary(v).mean
            }
        }
        let labels = rows.map { "\($0.strategy) (n=\($0.runs.count))" }
        let cell = cellSize(max(classNames.count, rows.count)), labelW = labelWidth(labels)
        let x0 = 20 + labelW, y0 = 70.0
        var canvas = SVGCanvas(xRange: 0...1, yRange: 0...1, width: max(640, x0 + Double(classNames.count) * cell + 40),
                               height: y0 + Double(rows.count) * cell + labelWidth(classNames) * 0.7 + 30)
        canvas.note("mean per-class F1 (%) over each strategy's finished runs; darker is higher")
        canvas.heatMap(at: x0, y0, cell: cell, rows: labels, columns: classNames,
                       values: values.map { $0.map { "\($0)" } }, shade: values.map { $0.map { $0 / 100 } },
                       text: values.map { $0.map { ResultsText.fixed($0, 1) } }, rowAxis: "strategy", columnAxis: "class")
        return canvas.document(title: "Per-class F1 by strategy")
    }

    public static func confusion(events: [TrainingEvent], strategies: [String], classNames: [String]) -> String {
        let rows = metrics(events, strategies: strategies)
        let k = classNames.count, cell = cellSize(k), labelW = labelWidth(classNames)
        let panelW = 20 + labelW + Double(k) * cell + 20, panelH = 40 + Double(k) * cell + labelW * 0.7 + 20
        let columns = min(2, max(1, rows.count)), lines = (rows.count + columns - 1) / columns
        var canvas = SVGCanvas(xRange: 0...1, yRange: 0...1, width: max(640, Double(columns) * panelW + 20),
                               height: 50 + Double(max(1, lines)) * panelH)
        canvas.note("test examples summed over the finished runs; shade: share of the true class")
        for (p, row) in rows.enumerated() {
            var counts = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
            for m in row.runs {
                for (t, line) in m.confusion.enumerated() where t < k {
                    for (q, n) in line.enumerated() where q < k { counts[t][q] += Double(n) }
                }
            }
            let px = 10 + Double(p % columns) * panelW, py = 50 + Double(p / columns) * panelH
            canvas.add("<g class=\"panel\" data-strategy=\"\(SVGCanvas.escape(row.strategy))\">")
            canvas.add("<text x=\"\(f(px + 10))\" y=\"\(f(py + 14))\" font-weight=\"bold\">\(SVGCanvas.escape(row.strategy)) (n=\(row.runs.count))</text>")
            canvas.heatMap(at: px + 10 + labelW, py + 40, cell: cell, rows: classNames, columns: classNames,
                           values: counts.map { $0.map { String(Int($0)) } },
                           shade: counts.map { line in let total = line.reduce(0, +); return line.map { total > 0 ? $0 / total : 0 } },
                           text: counts.map { $0.map { String(Int($0)) } }, rowAxis: "true", columnAxis: "predicted")
            canvas.add("</g>")
        }
        return canvas.document(title: "Confusion matrices (test split)")
    }
}
