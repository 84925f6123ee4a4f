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

    /// Each axis by its setting's short name ("σ²", "K", "lr"), for narrow column headers.
    public var shortAxes: [String] {
        axes.map { key in
            switch try? ExperimentFields.resolve(key) {
            case .experiment(let r)?: return r.field.short
            case let .strategy(kind, field)?:
                let kinds = kind.map { [$0] } ?? StrategyKind.allCases
                return kinds.lazy.compactMap { StrategyConfig(kind: $0).fields.first { $0.key == field }?.short }.first ?? key
            case nil: return key
            }
        }
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

    /// The sensitivity lines: mean macro-F1 ± std of each point against the first axis (as log10 when all its
    /// values are positive and span more than a factor 10), one line per value of the second axis (and per
    /// strategy kind when the points hold several), lines in value order and points in x order. `deni export`'s
    /// SVG and the UI's chart both draw these.
    public var lines: (log: Bool, series: [(key: String, points: [(x: Double, mean: Double, std: Double)])]) {
        let xs = points.compactMap { Double($0.values.first ?? "") }
        let log = !xs.isEmpty && xs.allSatisfy { $0 > 0 } && (xs.max()! / xs.min()!) > 10
        let kinds = Set(points.map(\.kind)).count > 1
        let groups = Dictionary(grouping: points) { p in
            [kinds ? p.kind : nil, p.values.count > 1 ? "\(axes[1]) = \(p.values[1])" : nil].compactMap { $0 }.joined(separator: " · ")
        }
        let keys = groups.keys.sorted { a, b in
            let na = Double(a.split(separator: " ").last ?? ""), nb = Double(b.split(separator: " ").last ?? "")
            return (a.split(separator: "=").first ?? "", na ?? 0, a) < (b.split(separator: "=").first ?? "", nb ?? 0, b)
        }
        return (log, keys.map { key in
            (key, (groups[key] ?? []).compactMap { p -> (x: Double, mean: Double, std: Double)? in
                guard let v = Double(p.values.first ?? ""), p.result.macroF1.mean.isFinite else { return nil }
                return (log ? Foundation.log10(v) : v, p.result.macroF1.mean, p.result.macroF1.std)
            }.sorted { $0.x < $1.x })
        })
    }

    /// The points as a grid over the first two axes: mean macro-F1 of each (first axis value, second axis value),
    /// values in numeric order where they are numbers. When the points hold several strategy kinds only the first
    /// kind's are mapped (`kind` says which); with more than two axes a cell averages the means of the points
    /// that share its two values (`pooled` is true then). nil for fewer than two axes or no finished point.
    public struct HeatMap: Sendable, Equatable {
        public var xAxis: String, yAxis: String
        public var xValues: [String], yValues: [String]
        /// `cells[y][x]`: the mean macro-F1, nil where no run of that point has finished.
        public var cells: [[Double?]]
        public var kind: String?
        public var pooled: Bool
        public var range: ClosedRange<Double>
    }

    public var heatMap: HeatMap? {
        guard axes.count >= 2 else { return nil }
        let kinds = Set(points.map(\.kind)).count > 1
        let mapped = kinds ? points.filter { $0.kind == points[0].kind } : points
        func ordered(_ values: [String]) -> [String] {
            var seen = Set<String>()
            let unique = values.filter { seen.insert($0).inserted }
            return unique.allSatisfy({ Double($0) != nil }) ? unique.sorted { Double($0)! < Double($1)! } : unique
        }
        let xs = ordered(mapped.map { $0.values[0] }), ys = ordered(mapped.map { $0.values[1] })
        var sums = [[Double]](repeating: [Double](repeating: 0, count: xs.count), count: ys.count)
        var counts = [[Int]](repeating: [Int](repeating: 0, count: xs.count), count: ys.count)
        for p in mapped where p.result.macroF1.mean.isFinite {
            guard let x = xs.firstIndex(of: p.values[0]), let y = ys.firstIndex(of: p.values[1]) else { continue }
            sums[y][x] += p.result.macroF1.mean; counts[y][x] += 1
        }
        let cells = zip(sums, counts).map { row in zip(row.0, row.1).map { $1 > 0 ? $0 / Double($1) : nil } }
        let finite = cells.flatMap { $0.compactMap { $0 } }
        guard let lo = finite.min(), let hi = finite.max() else { return nil }
        return HeatMap(xAxis: axes[0], yAxis: axes[1], xValues: xs, yValues: ys, cells: cells,
                       kind: kinds ? points[0].kind : nil, pooled: axes.count > 2, range: lo...hi)
    }

    /// SVG of `heatMap`: the second axis down, the first across, each cell its mean macro-F1, shaded from the
    /// lowest mean (white) to the highest; nil for fewer than two axes.
    public func heatMapSVG() -> String? {
        guard let map = heatMap else { return nil }
        let (lo, hi) = (map.range.lowerBound, map.range.upperBound)
        let cell = ClassPlots.cellSize(max(map.xValues.count, map.yValues.count)), labelW = ClassPlots.labelWidth(map.yValues)
        let x0 = 40 + labelW, y0 = 70.0
        var canvas = SVGCanvas(xRange: 0...1, yRange: 0...1, width: max(640, x0 + Double(map.xValues.count) * cell + 40),
                               height: y0 + Double(map.yValues.count) * cell + ClassPlots.labelWidth(map.xValues) * 0.7 + 40)
        canvas.note("mean macro-F1 (%) over each point's finished runs; darker is higher (\(ResultsText.fixed(lo, 2)) to \(ResultsText.fixed(hi, 2)))"
                    + (map.kind.map { " · \($0)" } ?? "") + (map.pooled ? " · averaged over the other varied settings" : ""))
        canvas.heatMap(at: x0, y0, cell: cell, rows: map.yValues, columns: map.xValues,
                       values: map.cells.map { $0.map { $0.map { "\($0)" } ?? "" } },
                       shade: map.cells.map { $0.map { v in v.map { hi > lo ? ($0 - lo) / (hi - lo) : 1 } ?? .nan } },
                       text: map.cells.map { $0.map { $0.map { ResultsText.fixed($0, 2) } ?? "–" } },
                       rowAxis: map.yAxis, columnAxis: map.xAxis)
        return canvas.document(title: "Sensitivity: macro-F1 over \(map.xAxis) × \(map.yAxis)")
    }

    /// SVG of `lines`, the baselines as horizontal lines.
    public func svg() -> String {
        let (log, series) = lines
        let ys = series.flatMap { $0.points.flatMap { [$0.mean - $0.std, $0.mean + $0.std] } } + baselines.map(\.macroF1.mean)
        let finite = ys.filter(\.isFinite), xf = series.flatMap { $0.points.map(\.x) }
        let lo = finite.min() ?? 0, hi = finite.max() ?? 100, pad = max(0.5, (hi - lo) * 0.08)
        let x0 = xf.min() ?? 0, x1 = xf.max() ?? 1, xpad = max(1e-9, (x1 - x0) * 0.05)
        var canvas = SVGCanvas(xRange: (x0 - xpad)...(x1 + xpad), yRange: (lo - pad)...(hi + pad))
        canvas.axes(xLabel: (axes.first ?? "") + (log ? " (log10)" : ""), yLabel: "macro-F1 (%)")
        var legend: [(String, PlotStyle)] = []
        for (i, b) in baselines.enumerated() where b.macroF1.mean.isFinite {
            let style = PlotStyle(index: series.count + i)
            canvas.add("<line class=\"baseline\" data-strategy=\"\(SVGCanvas.escape(b.strategy))\" x1=\"\(f(canvas.x(x0 - xpad)))\" y1=\"\(f(canvas.y(b.macroF1.mean)))\" x2=\"\(f(canvas.x(x1 + xpad)))\" y2=\"\(f(canvas.y(b.macroF1.mean)))\" stroke=\"\(style.color)\" stroke-dasharray=\"6 4\"/>")
            legend.append(("\(b.strategy) (n=\(b.runs))", style))
        }
        for (i, line) in series.enumerated() {
            let style = PlotStyle(index: i)
            let pts = line.points
            var g = "<g class=\"series\" data-value=\"\(SVGCanvas.escape(line.key))\">\n"
            if pts.count > 1 {
                let band = pts.map { ($0.x, $0.mean + $0.std) } + pts.reversed().map { ($0.x, $0.mean - $0.std) }
                g += "<polygon class=\"std-band\" points=\"\(canvas.points(band))\" fill=\"\(style.color)\" fill-opacity=\"0.15\"/>\n"
                g += "<polyline points=\"\(canvas.points(pts.map { ($0.x, $0.mean) }))\" fill=\"none\" stroke=\"\(style.color)\" stroke-width=\"2\"\(canvas.dashAttribute(style))/>\n"
            }
            for p in pts { g += canvas.marker(style, at: (canvas.x(p.x), canvas.y(p.mean)), size: 4) + "\n" }
            canvas.add(g + "</g>")
            legend.append((line.key.isEmpty ? "mean ± std" : line.key, style))
        }
        canvas.legend(legend)
        return canvas.document(title: "Sensitivity: macro-F1 (mean ± std over runs) against \(axes.first ?? "")")
    }
}
