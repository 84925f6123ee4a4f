import DeniCore
import DeniExperiments
import DeniTraining

/// The Results screen: a sortable per-strategy table, the runs of one strategy, and one run in detail.
enum ResultsScreen {
    static func draw(_ grid: inout CellGrid, _ s: AppState, _ rect: Rect) {
        guard let m = s.resultsModel else { return }
        switch s.results.drill {
        case .table: table(&grid, s, m, rect)
        case .strategy(let name): runs(&grid, s, m, name, rect)
        case .run(let id): if let r = m.runs[id] { run(&grid, s, m, r, rect) }
        }
    }

    struct Column {
        var title: String, width: Int, key: ResultsColumn?, priority: Int
        var value: (StrategyRow) -> String
    }

    static func table(_ grid: inout CellGrid, _ s: AppState, _ m: ExperimentModel, _ rect: Rect) {
        let g = s.glyphs
        let rows = s.sortedRows
        let baseline = s.resultsTable?.baseline ?? "Default"
        let all: [Column] = [
            // Wide enough for a variant's whole label ("DENI · σ² 0.05 · K 5") up to 30 columns.
            Column(title: "Strategy", width: min(30, max(16, rows.map(\.strategy.count).max() ?? 0)), key: .strategy, priority: 0) { $0.strategy },
            Column(title: "Runs", width: 5, key: nil, priority: 0) { "\($0.finished)/\($0.runs)" },
            Column(title: "Failed", width: 9, key: .failed, priority: 0) { $0.unfinishedText },
            Column(title: "F1 mean ± std", width: 15, key: .mean, priority: 0) { Format.meanStd($0.macroF1.mean, $0.macroF1.std) },
            Column(title: "std", width: 5, key: .std, priority: 2) { Format.num($0.macroF1.std) },
            Column(title: "min", width: 6, key: .min, priority: 0) { Format.num($0.macroF1.min) },
            Column(title: "max", width: 6, key: .max, priority: 0) { Format.num($0.macroF1.max) },
            Column(title: "Acc mean ± std", width: 15, key: nil, priority: 3) { Format.meanStd($0.accuracy.mean, $0.accuracy.std) },
            Column(title: "×Ens", width: 6, key: .cost, priority: 0) { $0.relativeToEnsemble.isFinite ? LineChart.fmt($0.relativeToEnsemble, 2) + "×" : "–" },
            Column(title: "Δ vs \(baseline) [95% CI]", width: 22, key: nil, priority: 2) { r in
                r.significance.map { ResultsText.difference($0.meanDifference, pairs: $0.pairs) } ?? "–"
            },
            Column(title: "p", width: 6, key: .significance, priority: 1) { r in r.significance.map { Format.p($0.wilcoxonP) } ?? "–" },
            Column(title: "std ratio", width: 9, key: nil, priority: 3) { r in r.significance.map { LineChart.fmt($0.stdRatio.estimate, 2) } ?? "–" },
            Column(title: "mean/spread", width: 11, key: nil, priority: 2) { r in r.significance.map(verdicts) ?? "–" },
        ]
        // Drop the least important columns until the table fits.
        var cols = all
        var maxPriority = 3
        while cols.reduce(0, { $0 + $1.width + 1 }) > rect.width - 2 && maxPriority >= 0 {
            cols = all.filter { $0.priority < maxPriority }
            maxPriority -= 1
        }
        var y = rect.y
        let title = "Results · \(m.config.dataset) · \(m.finishedRuns)/\(m.plannedRuns) runs finished"
            + (m.unfinishedSummary.isEmpty ? "" : " · \(m.unfinishedSummary)")
        grid.text(rect.x + 1, y, title, Style(.title, bold: true), maxWidth: rect.width - 2)
        y += 2
        var x = rect.x + 2
        for c in cols {
            var t = c.title
            if let k = c.key, k == s.results.sort { t += s.results.descending ? (g.unicode ? "▼" : "v") : (g.unicode ? "▲" : "^") }
            grid.text(x, y, Format.fit(t, c.width), Style(.accent, bold: true, underline: c.key == s.results.sort))
            x += c.width + 1
        }
        y += 1
        if rows.isEmpty { grid.text(rect.x + 2, y, "no runs yet", Style(.muted)); return }
        for (i, r) in rows.enumerated() {
            guard y < rect.maxY - 3 else { break }
            x = rect.x + 2
            if i == s.results.cursor { grid.set(rect.x, y, g.selection, Style(.accent, bold: true)) }
            grid.set(rect.x + 1, y, g.marker(r.style), Style(.series(r.style), bold: true))
            for (ci, c) in cols.enumerated() {
                let v = c.value(r)
                let st: Style = ci == 0 ? Style(.series(r.style), bold: true) : (c.key == .failed && r.unfinishedText != "0" ? Style(.warning, bold: true) : Style())
                grid.text(x, y, Format.fit(v, c.width, right: ci > 0), st)
                x += c.width + 1
            }
            if i == s.results.cursor { grid.restyle(Rect(x: rect.x + 2, y: y, width: x - rect.x - 2, height: 1)) { $0.attributes |= Style.reverseBit } }
            y += 1
        }
        let sweep = s.resultsTable.flatMap { SweepView(config: m.config, table: $0) }
        if let sweep, rect.maxY - 3 - (y + 1) >= 6 {
            sensitivity(&grid, s, sweep, order: rows.map(\.strategy), Rect(x: rect.x, y: y + 1, width: rect.width, height: rect.maxY - 3 - (y + 1)))
        }
        let note = s.resultsTable == nil
            ? "Significance (paired Wilcoxon, bootstrap CI) comes from the runner's final table; not available for this view."
            : "Δ: paired vs \(baseline), bootstrap CI · p: Wilcoxon · mean/spread: ↑ ↓ ? (t up to 12 pairs) · failed: < 100/C or error, +c cancelled, +i interrupted"
        grid.text(rect.x + 1, rect.maxY - 2, note, Style(.muted), maxWidth: rect.width - 2)
        let sweepKeys = sweep.map { ($0.axes.count >= 2 ? " · v: heat map / lines" : "") + " · y: point into Setup" } ?? " · y: into Setup"
        grid.text(rect.x + 1, rect.maxY - 1, "Enter: runs of the strategy · s: sort column · S: reverse" + sweepKeys, Style(.muted), maxWidth: rect.width - 2)
    }

    /// A sweep's points (in the strategy table's sort order) beside the sensitivity chart: mean macro-F1 ± std
    /// against the first varied setting, one line per value of the second, the baselines flat. Both update as
    /// runs end (the table is derived from the events seen so far).
    static func sensitivity(_ grid: inout CellGrid, _ s: AppState, _ sweep: SweepView, order: [String], _ rect: Rect) {
        let g = s.glyphs
        let axisW = 9
        let tableW = min(rect.width / 2, sweep.axes.count * (axisW + 1) + 16 + 23 + 7 + 2)
        grid.text(rect.x + 1, rect.y, "Sweep points · varied: \(sweep.axes.joined(separator: ", ")) · paired with: \(sweep.baselines.map(\.strategy).joined(separator: ", "))",
                  Style(.title, bold: true), maxWidth: rect.width - 2)
        var x = rect.x + 2, y = rect.y + 1
        for a in sweep.shortAxes { grid.text(x, y, Format.fit(a, axisW), Style(.accent, bold: true)); x += axisW + 1 }
        grid.text(x, y, Format.fit("F1 mean ± std", 15, right: true) + " " + Format.fit("Δ [95% CI]", 22, right: true) + " " + Format.fit("m/s", 6, right: true),
                  Style(.accent, bold: true), maxWidth: rect.x + tableW - x)
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        for p in sweep.points.sorted(by: { rank[$0.result.strategy, default: 0] < rank[$1.result.strategy, default: 0] }) {
            y += 1
            guard y < rect.maxY else { break }
            x = rect.x + 2
            for v in p.values { grid.text(x, y, Format.fit(v, axisW), Style()); x += axisW + 1 }
            let r = p.result
            let line = Format.fit(Format.meanStd(r.macroF1.mean, r.macroF1.std), 15, right: true) + " "
                + Format.fit(r.significance.map { ResultsText.difference($0.meanInterval, pairs: $0.pairs) } ?? "–", 22, right: true) + " "
                + Format.fit(r.significance.map(verdicts) ?? "–", 6, right: true)
            grid.text(x, y, line, Style(), maxWidth: rect.x + tableW - x)
        }
        let (log, series) = sweep.lines
        // The chart's legend under the points: each line's marker, then the baselines'.
        var legend: [(Unicode.Scalar, Ink, String)] = series.enumerated().map { (g.marker($0.offset), .series($0.offset), $0.element.key.isEmpty ? "mean ± std" : $0.element.key) }
        legend += sweep.baselines.enumerated().map { (g.marker(series.count + $0.offset), .muted, $0.element.strategy) }
        y += 2
        for (marker, ink, label) in legend where y < rect.maxY {
            grid.set(rect.x + 2, y, marker, Style(ink, bold: true))
            grid.text(rect.x + 4, y, label, Style(.muted), maxWidth: tableW - 4)
            y += 1
        }
        let chartRect = Rect(x: rect.x + tableW + 2, y: rect.y + 1, width: rect.width - tableW - 3, height: rect.height - 1)
        if s.results.heatMap, let map = sweep.heatMap {
            heatMap(&grid, map, chartRect, g)
            return
        }
        guard chartRect.width >= 20, series.contains(where: { !$0.points.isEmpty }) else { return }
        let xs = series.flatMap { $0.points.map(\.x) }
        let ys = series.flatMap { $0.points.flatMap { [$0.mean - $0.std, $0.mean + $0.std] } } + sweep.baselines.map(\.macroF1.mean)
        let x0 = xs.min()!, x1 = max(xs.max()!, x0 + 1e-9)
        var chart = LineChart(title: "Macro-F1 vs \(sweep.axes[0])\(log ? " (log10)" : "")", xRange: x0...x1,
                              yRange: LineChart.niceRange(ys.filter(\.isFinite), fallback: 0...100, clampTo: 0...100))
        for (i, b) in sweep.baselines.enumerated() where b.macroF1.mean.isFinite {
            chart.series.append(ChartSeries(points: [(x0, b.macroF1.mean), (x1, b.macroF1.mean)], ink: .muted, marker: g.marker(series.count + i)))
        }
        for (i, line) in series.enumerated() {
            if line.points.count > 1 {
                chart.bands.append(ChartBand(points: line.points.map { ($0.x, $0.mean - $0.std, $0.mean + $0.std) }, ink: .series(i)))
            }
            chart.series.append(ChartSeries(points: line.points.map { ($0.x, $0.mean) }, ink: .series(i), marker: g.marker(i), emphasis: true))
        }
        chart.draw(into: &grid, rect: chartRect, glyphs: g)
    }

    /// The heat map of a sweep's first two varied settings: one cell per pair of values holding the mean
    /// macro-F1, shaded in four steps from the lowest to the highest mean, the best cell bold.
    static func heatMap(_ grid: inout CellGrid, _ map: SweepView.HeatMap, _ rect: Rect, _ g: Glyphs) {
        let shades: [Unicode.Scalar] = g.unicode ? ["░", "▒", "▓", "█"] : [".", ":", "+", "#"]
        let labelW = min(10, max(map.yValues.map(\.count).max() ?? 1, 2) + 1)
        let cellW = max(7, min(10, (rect.width - labelW) / max(1, map.xValues.count)))
        let (lo, hi) = (map.range.lowerBound, map.range.upperBound)
        let title = "Macro-F1: \(map.yAxis) (rows) × \(map.xAxis) (columns)" + (map.kind.map { " · \($0)" } ?? "")
            + (map.pooled ? " · mean over the other settings" : "")
        grid.text(rect.x, rect.y, title, Style(.title, bold: true), maxWidth: rect.width)
        var y = rect.y + 1
        var x = rect.x + labelW
        for v in map.xValues where x + cellW <= rect.maxX {
            grid.text(x, y, Format.fit(v, cellW - 1, right: true), Style(.accent, bold: true))
            x += cellW
        }
        for (row, v) in zip(map.cells, map.yValues) {
            y += 1
            guard y < rect.maxY - 1 else { break }
            grid.text(rect.x, y, Format.fit(v, labelW - 1), Style(.accent, bold: true))
            x = rect.x + labelW
            for cell in row where x + cellW <= rect.maxX {
                if let mean = cell {
                    let level = hi > lo ? min(3, Int((mean - lo) / (hi - lo) * 4)) : 3
                    for i in 0..<(cellW - 7) { grid.set(x + i, y, shades[level], Style(.accent)) }
                    grid.text(x + cellW - 7, y, Format.fit(LineChart.fmt(mean, 2), 6, right: true), Style(bold: mean == hi))
                } else {
                    grid.text(x, y, Format.fit("–", cellW - 1, right: true), Style(.muted))
                }
                x += cellW
            }
        }
        grid.text(rect.x, min(y + 1, rect.maxY - 1), "shade: \(shades.map(String.init).joined()) from \(LineChart.fmt(lo, 2)) to \(LineChart.fmt(hi, 2)) · v: lines",
                  Style(.muted), maxWidth: rect.width)
    }

    /// "↓ / ?": the mean's and the spread's verdict (higher, lower, inconclusive) in two symbols.
    static func verdicts(_ c: PairedComparison) -> String {
        func symbol(_ v: PairedComparison.Verdict) -> String { switch v { case .higher: "↑"; case .lower: "↓"; case .inconclusive: "?" } }
        return symbol(c.meanVerdict) + " / " + symbol(c.spreadVerdict)
    }

    static func runs(_ grid: inout CellGrid, _ s: AppState, _ m: ExperimentModel, _ name: String, _ rect: Rect) {
        let g = s.glyphs
        let runs = m.runs(of: name)
        var y = rect.y
        grid.text(rect.x + 1, y, "\(name) · \(runs.count) runs (Esc: back, Enter: run detail)", Style(.title, bold: true), maxWidth: rect.width - 2)
        y += 2
        let header = Format.fit("Run", 8) + Format.fit("Status", 11) + Format.fit("Macro-F1", 10, right: true) + Format.fit("Accuracy", 10, right: true)
            + Format.fit("Steps", 8, right: true) + Format.fit("×Ens", 7, right: true) + "  Seed(init)  Note"
        grid.text(rect.x + 2, y, header, Style(.accent, bold: true), maxWidth: rect.width - 3)
        y += 1
        let visible = rect.maxY - y
        let top = min(max(0, s.results.runCursor - visible / 2), max(0, runs.count - visible))
        for (i, r) in runs.enumerated().dropFirst(top) {
            guard y < rect.maxY else { break }
            if i == s.results.runCursor { grid.set(rect.x, y, g.selection, Style(.accent, bold: true)) }
            grid.set(rect.x + 1, y, g.marker(r.id.run), Style(.series(r.id.run)))
            let rel = m.relativeCost(r).map { LineChart.fmt($0, 2) } ?? "–"
            let line = Format.fit("#\(r.id.run)", 8) + Format.fit(r.state.rawValue, 11)
                + Format.fit(r.metrics.map { LineChart.fmt($0.macroF1, 2) } ?? "–", 10, right: true)
                + Format.fit(r.metrics.map { LineChart.fmt($0.accuracy, 2) } ?? "–", 10, right: true)
                + Format.fit("\(r.step)", 8, right: true) + Format.fit(rel, 7, right: true)
                + "  " + Format.fit(r.seeds.map { "\($0.initialization)" } ?? "–", 10) + "  " + (r.failure ?? "")
            let ink: Ink = switch r.state { case .failed: .error; case .cancelled, .interrupted: .warning; case .running, .finished: .normal }
            grid.text(rect.x + 2, y, line, Style(ink, reverse: i == s.results.runCursor), maxWidth: rect.width - 3)
            y += 1
        }
    }

    static func run(_ grid: inout CellGrid, _ s: AppState, _ m: ExperimentModel, _ r: RunTrack, _ rect: Rect) {
        let g = s.glyphs
        var y = rect.y
        grid.text(rect.x + 1, y, "Run \(r.id) · \(r.state.rawValue) · step \(r.step)/\(r.totalSteps) · \(r.trainExamples) training examples",
                  Style(.title, bold: true), maxWidth: rect.width - 2)
        y += 1
        if let f = r.failure { grid.text(rect.x + 1, y, "failure: \(f)", Style(.error, bold: true), maxWidth: rect.width - 2); y += 1 }
        let c = r.cost
        grid.text(rect.x + 1, y, "cost: \(c.modelSteps) model-steps (\(m.relativeCost(r).map { LineChart.fmt($0, 2) } ?? "–")× Ensemble) · "
                  + "\(LineChart.compact(c.trainingFLOPs)) FLOPs · \(c.inferencePasses) inference passes · \(Format.duration(c.wallSeconds)) · peak \(c.peakMemoryBytes / 1_048_576) MiB",
                  Style(), maxWidth: rect.width - 2)
        y += 1
        if let seeds = r.seeds {
            grid.text(rect.x + 1, y, "seeds: split \(seeds.split) sample \(seeds.sample) init \(seeds.initialization) order \(seeds.order) dropout \(seeds.dropout) noise \(seeds.noise)",
                      Style(.muted), maxWidth: rect.width - 2)
            y += 1
        }
        if !r.phases.isEmpty {
            grid.text(rect.x + 1, y, "phases: " + r.phases.map { "\($0.phase.rawValue)@\($0.step)" }.joined(separator: " "), Style(.muted), maxWidth: rect.width - 2)
            y += 1
        }
        y += 1
        let metricsW = r.metrics == nil ? 0 : min(44, rect.width / 3)
        let chartsW = rect.width - metricsW - 1
        let chartH = rect.maxY - y
        if chartH >= 6 {
            var view = ExperimentView()
            view.chartMode = .runs
            view.selectedRun = m.runOrder.firstIndex(of: r.id) ?? 0
            var single = ExperimentModel(config: m.config)
            single.apply(.runStart(id: r.id, seeds: r.seeds ?? .init(), totalSteps: r.totalSteps, trainExamples: r.trainExamples, time: 0))
            for i in r.losses.indices { single.apply(.step(id: r.id, step: Int(r.lossSteps[i]), epoch: 0, loss: Double(r.losses[i]), learningRate: 0, time: 0)) }
            for e in r.evals { single.apply(.evaluation(id: r.id, step: e.step, accuracy: e.accuracy, macroF1: e.macroF1, loss: e.loss, subset: e.subset, time: 0)) }
            for p in r.phases { single.apply(.phase(id: r.id, step: p.step, phase: p.phase, members: p.members, detail: p.detail, time: 0)) }
            view.selectedRun = 0
            let h = chartH / 2
            let lossRect = Rect(x: rect.x, y: y, width: chartsW, height: h)
            let metricRect = Rect(x: rect.x, y: y + h, width: chartsW, height: chartH - h)
            ExperimentCharts.loss(model: single, view: view, pixelWidth: max(2, (chartsW - 9) * 2), glyphs: g).draw(into: &grid, rect: lossRect, glyphs: g)
            ExperimentCharts.metric(model: single, view: view, glyphs: g).draw(into: &grid, rect: metricRect, glyphs: g)
        }
        guard let met = r.metrics, metricsW > 10 else { return }
        let mx = rect.x + chartsW + 1
        var my = y
        grid.text(mx, my, "macro-F1 \(LineChart.fmt(met.macroF1, 2)) · acc \(LineChart.fmt(met.accuracy, 2))", Style(.title, bold: true), maxWidth: metricsW)
        my += 1
        grid.text(mx, my, "per-class F1", Style(.accent, bold: true)); my += 1
        let nameW = min(14, max(4, (0..<met.perClassF1.count).map { m.className($0).count }.max() ?? 4) + 1)
        for (i, f) in met.perClassF1.enumerated() {
            guard my < rect.maxY - 1 else { break }
            grid.text(mx, my, Format.fit(m.className(i).escapingControlCharacters, nameW - 1), Style(.muted))
            grid.bar(mx + nameW, my, width: max(3, metricsW - 8 - nameW), fraction: f / 100, ink: .accent, glyphs: g)
            grid.text(mx + metricsW - 7, my, Format.fit(LineChart.fmt(f, 1), 6, right: true), Style())
            my += 1
        }
        let k = met.confusion.count
        let cellW = 5
        if k > 0, k * cellW + 4 <= metricsW, my + k + 2 <= rect.maxY {
            my += 1
            grid.text(mx, my, "confusion [true × predicted]", Style(.accent, bold: true)); my += 1
            for (t, row) in met.confusion.enumerated() {
                var line = Format.fit(m.className(t).escapingControlCharacters, 3)
                for v in row { line += Format.fit("\(v)", cellW, right: true) }
                grid.text(mx, my, line, Style(), maxWidth: metricsW)
                my += 1
            }
        }
    }
}
