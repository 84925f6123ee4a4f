import DeniTraining
import Foundation

/// A sweep's results by point: each variant's values of the varied settings beside its row of the results
/// table (the one derivation), and the baselines apart. `deni show` prints it; `deni export --svg` plots it.
public struct SweepView: Sendable {
    public struct Point: Sendable {
        /// One value per axis, in axis order, as the field table formats it.
        public var values: [String]
        /// The strategy's kind ("DENI", "Ensemble"): a column of its own when the points hold several kinds.
        public var kind: String
        public var result: StrategyResult
    }
    public var axes: [String]
    public var points: [Point]
    public var baselines: [StrategyResult]

    /// nil for an experiment that is not a sweep.
    public init?(config: ExperimentConfig, table: ResultsTable) {
        guard let sweep = config.sweep else { return nil }
        axes = sweep.axes.map(\.key)
        var points: [Point] = [], baselines: [StrategyResult] = []
        let targets = sweep.axes.map { try? ExperimentFields.resolve($0.key) }
        let variesStrategies = targets.contains { if case .strategy? = $0 { true } else { false } }
        for (s, row) in zip(config.strategies, table.rows) {
            var values: [String] = [], touched = false
            for target in targets {
                switch target {
                case .experiment(let r)?:
                    values.append(s.experiment[r.field.key] ?? r.field.read(config))
                case let .strategy(kind, key)?:
                    guard kind == nil || kind == s.kind, let f = s.fields.first(where: { $0.key == key }) else { values.append("—"); continue }
                    values.append(f.read(s)); touched = true
                case nil:
                    values.append("—")
                }
            }
            // A sweep over experiment-level settings only has every strategy but Default as its points.
            if variesStrategies ? touched : s.kind != .standard { points.append(Point(values: values, kind: s.kind.displayName, result: row)) } else { baselines.append(row) }
        }
        self.points = points; self.baselines = baselines
    }

    /// The points as a table: one column per axis, then mean ± std, the paired difference to Default with its
    /// interval (paired t up to 12 pairs), the std ratio and the cost.
    public var cells: (headers: [String], rows: [[String]]) {
        let kinds = Set(points.map(\.kind)).count > 1
        let headers = (kinds ? ["Strategy"] : []) + axes + ["Runs", "Macro-F1 (mean ± std)", "ΔF1 vs Default", "Std ratio", "Mean / spread", "Cost vs Ensemble"]
        let rows = points.map { p -> [String] in
            let r = p.result, s = r.significance
            return (kinds ? [p.kind] : []) + p.values + ["\(r.runs)", ResultsText.meanStd(r.macroF1),
                               s.map { ResultsText.difference($0.meanInterval, pairs: $0.pairs) } ?? "—",
                               s.map { ResultsText.ratio($0.stdRatio, pairs: $0.pairs) } ?? "—",
                               s.map(ResultsText.verdicts) ?? "—",
                               ResultsText.fixed(r.costRelativeToEnsemble, 2) + "×"]
        }
        return (headers, rows)
    }

    /// SVG of mean macro-F1 ± std against the first axis (log-scaled when all its values are positive and span
    /// more than a factor 10), one line per value of the second axis, the baselines as horizontal lines.
    public func svg() -> String {
        let xs = points.compactMap { Double($0.values.first ?? "") }
        let log = !xs.isEmpty && xs.allSatisfy { $0 > 0 } && (xs.max()! / xs.min()!) > 10
        func xv(_ p: Point) -> Double? { Double(p.values.first ?? "").map { log ? Foundation.log10($0) : $0 } }
        let groups = Dictionary(grouping: points) { $0.values.count > 1 ? $0.values[1] : "" }
        let keys = groups.keys.sorted { (Double($0) ?? 0, $0) < (Double($1) ?? 0, $1) }
        let ys = points.flatMap { [$0.result.macroF1.mean - $0.result.macroF1.std, $0.result.macroF1.mean + $0.result.macroF1.std] }
            + baselines.map(\.macroF1.mean)
        let finite = ys.filter(\.isFinite), xf = points.compactMap(xv)
        let lo = finite.min() ?? 0, hi = finite.max() ?? 100, pad = max(0.5, (hi - lo) * 0.08)
        let x0 = xf.min() ?? 0, x1 = xf.max() ?? 1, xpad = max(1e-9, (x1 - x0) * 0.05)
        var canvas = SVGCanvas(xRange: (x0 - xpad)...(x1 + xpad), yRange: (lo - pad)...(hi + pad))
        canvas.axes(xLabel: (axes.first ?? "") + (log ? " (log10)" : ""), yLabel: "macro-F1 (%)")
        var legend: [(String, PlotStyle)] = []
        for (i, b) in baselines.enumerated() where b.macroF1.mean.isFinite {
            let style = PlotStyle(index: keys.count + i)
            canvas.add("<line class=\"baseline\" data-strategy=\"\(SVGCanvas.escape(b.strategy))\" x1=\"\(f(canvas.x(x0 - xpad)))\" y1=\"\(f(canvas.y(b.macroF1.mean)))\" x2=\"\(f(canvas.x(x1 + xpad)))\" y2=\"\(f(canvas.y(b.macroF1.mean)))\" stroke=\"\(style.color)\" stroke-dasharray=\"6 4\"/>")
            legend.append(("\(b.strategy) (n=\(b.runs))", style))
        }
        for (i, key) in keys.enumerated() {
            let style = PlotStyle(index: i)
            let pts = (groups[key] ?? []).compactMap { p in xv(p).map { ($0, p.result.macroF1) } }.sorted { $0.0 < $1.0 }
                .filter { $0.1.mean.isFinite }
            var g = "<g class=\"series\" data-value=\"\(SVGCanvas.escape(key))\">\n"
            if pts.count > 1 {
                let band = pts.map { ($0.0, $0.1.mean + $0.1.std) } + pts.reversed().map { ($0.0, $0.1.mean - $0.1.std) }
                g += "<polygon class=\"std-band\" points=\"\(canvas.points(band))\" fill=\"\(style.color)\" fill-opacity=\"0.15\"/>\n"
                g += "<polyline points=\"\(canvas.points(pts.map { ($0.0, $0.1.mean) }))\" fill=\"none\" stroke=\"\(style.color)\" stroke-width=\"2\"\(canvas.dashAttribute(style))/>\n"
            }
            for p in pts { g += canvas.marker(style, at: (canvas.x(p.0), canvas.y(p.1.mean)), size: 4) + "\n" }
            canvas.add(g + "</g>")
            legend.append((axes.count > 1 ? "\(axes[1]) = \(key)" : "mean ± std", style))
        }
        canvas.legend(legend)
        return canvas.document(title: "Sensitivity: macro-F1 (mean ± std over runs) against \(axes.first ?? "")")
    }
}
