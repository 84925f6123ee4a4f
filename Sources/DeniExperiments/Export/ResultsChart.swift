import DeniTraining

/// SVG of the final macro-F1 per strategy: each finished run as a dot (a deterministic horizontal strip),
/// the mean as a larger marker and mean ± std as an error bar. One `<g class="series" data-strategy="…">` per
/// table row, with one `circle.run-dot` per run, a `line.error-bar` and the mean marker.
public enum ResultsChart {
    public static func svg(table: ResultsTable, events: [TrainingEvent]) -> String {
        var finalF1: [String: [(Int, Double)]] = [:]
        var last: [RunID: (RunStatus, Double?)] = [:]
        for case let .runEnd(id, status, metrics, _, _, _, _) in events { last[id] = (status, metrics?.macroF1) }
        for (id, end) in last where end.0 == .finished { if let v = end.1 { finalF1[id.strategy, default: []].append((id.run, v)) } }
        let names = table.rows.map(\.strategy)
        let values = names.flatMap { n in (finalF1[n] ?? []).map(\.1) } +
            table.rows.flatMap { r in r.macroF1.count > 0 ? [r.macroF1.mean - r.macroF1.std, r.macroF1.mean + r.macroF1.std] : [] }
        let finite = values.filter(\.isFinite)
        let lo = finite.min() ?? 0, hi = finite.max() ?? 100, pad = (hi - lo) * 0.08
        var canvas = SVGCanvas(xRange: -0.6...(Double(max(names.count, 1)) - 0.4), yRange: (lo - pad)...(hi + pad))
        canvas.axes(xLabel: "strategy", yLabel: "macro-F1 (%)", categories: names)
        let styles = StrategyStyles(names)
        for (i, row) in table.rows.enumerated() {
            let style = PlotStyle(strategy: row.strategy, in: styles)
            var g = "<g class=\"series\" data-strategy=\"\(SVGCanvas.escape(row.strategy))\">\n"
            let runs = (finalF1[row.strategy] ?? []).sorted { $0.0 < $1.0 }
            for (k, run) in runs.enumerated() where run.1.isFinite {
                // Golden-ratio strip offsets in (−0.22, 0.22): deterministic, evenly spread.
                let offset = ((Double(k) * 0.618_033_988_75).truncatingRemainder(dividingBy: 1) - 0.5) * 0.44
                g += "<circle class=\"run-dot\" cx=\"\(f(canvas.x(Double(i) + offset)))\" cy=\"\(f(canvas.y(run.1)))\" r=\"2.6\" fill=\"\(style.color)\" fill-opacity=\"0.55\"><title>\(SVGCanvas.escape(row.strategy))#\(run.0): \(ResultsText.fixed(run.1, 2))</title></circle>\n"
            }
            if row.macroF1.count > 0, row.macroF1.mean.isFinite {
                let x = canvas.x(Double(i))
                g += "<line class=\"error-bar\" x1=\"\(f(x))\" y1=\"\(f(canvas.y(row.macroF1.mean - row.macroF1.std)))\" x2=\"\(f(x))\" y2=\"\(f(canvas.y(row.macroF1.mean + row.macroF1.std)))\" stroke=\"\(style.color)\" stroke-width=\"2.2\"\(canvas.dashAttribute(style))/>\n"
                g += canvas.marker(style, at: (x, canvas.y(row.macroF1.mean)), size: 6) + "\n"
            }
            canvas.add(g + "</g>")
        }
        canvas.legend(table.rows.map { ("\($0.strategy) (n=\($0.runs))", PlotStyle(strategy: $0.strategy, in: styles)) })
        return canvas.document(title: "Final macro-F1 per strategy (mean ± std, dots = runs)")
    }
}
