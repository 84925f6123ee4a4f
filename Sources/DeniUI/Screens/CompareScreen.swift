import DeniExperiments

/// Sessions side by side: per-strategy macro-F1 of each, the selected strategy's difference to S1 with its
/// statistic named (`ResultsText.crossSession`, as `deni compare` prints it), the warnings about other data or
/// weights, and the mean test curves of every session overlaid on one chart (strategy by colour, session by its
/// number as the marker).
enum CompareScreen {
    static func draw(_ grid: inout CellGrid, _ c: CompareState, _ rect: Rect, _ g: Glyphs) {
        var y = rect.y
        let title = "Compare  " + c.names.enumerated().map { k, name in "S\(k + 1) \(name) (\(c.models[k].config.dataset))" }.joined(separator: " · ")
        grid.text(rect.x + 1, y, title, Style(.title, bold: true), maxWidth: rect.width - 2)
        y += 1
        for w in c.comparison.warnings where y < rect.maxY {
            grid.text(rect.x + 1, y, "warning: " + w, Style(.warning, bold: true), maxWidth: rect.width - 2)
            y += 1
        }
        if rect.height >= 20 { y += 1 }
        let column = 19
        var header = Format.fit("Strategy", 18)
        for k in c.names.indices { header += Format.fit("S\(k + 1) macro-F1 (n)", column, right: true) }
        grid.text(rect.x + 2, y, header, Style(.accent, bold: true), maxWidth: rect.width - 3)
        y += 1
        let rows = c.comparison.rows
        // The table takes up to half the screen (at least the selected row); the chart gets the rest.
        let visible = max(1, min(rows.count, rect.y + rect.height / 2 - c.names.count - y))
        let top = max(0, min(c.cursor - visible / 2, rows.count - visible))
        for (i, row) in rows.enumerated().dropFirst(top).prefix(visible) where y < rect.maxY {
            var line = Format.fit(row.strategy, 18)
            for r in row.results {
                line += Format.fit(r.map { Format.meanStd($0.macroF1.mean, $0.macroF1.std) + " (\($0.macroF1.count))" } ?? "–", column, right: true)
            }
            let slot = c.styles.slot(row.strategy)
            grid.set(rect.x + 1, y, g.marker(slot), Style(.series(slot), bold: true))
            grid.text(rect.x + 2, y, line, Style(reverse: i == c.cursor), maxWidth: rect.width - 3)
            y += 1
        }
        if c.cursor < rows.count {
            let row = rows[c.cursor]
            for (k, t) in row.tests.enumerated() where y < rect.maxY {
                let text = t.map { ResultsText.crossSession($0) + " · " + ResultsText.crossSessionTest($0) } ?? "– (fewer than 2 finished runs on a side)"
                grid.text(rect.x + 2, y, "\(row.strategy) · S\(k + 2) − S1: " + text, Style(), maxWidth: rect.width - 3)
                y += 1
            }
        }
        // What the statistics are: one line, or one per statistic where it does not fit and the screen is tall.
        let note = ResultsText.crossSessionNote
        let lines = note.count <= rect.width - 3 || rect.height < 30 ? [note] : note.components(separatedBy: "; ")
        for line in lines where y < rect.maxY {
            grid.text(rect.x + 2, y, line, Style(.muted), maxWidth: rect.width - 3)
            y += 1
        }
        let h = rect.maxY - y - 1
        guard h >= 6 else { return }
        overlay(c, g).draw(into: &grid, rect: Rect(x: rect.x, y: y, width: rect.width, height: h), glyphs: g)
        legend(&grid, c, Rect(x: rect.x + 1, y: rect.maxY - 1, width: rect.width - 1, height: 1), g)
    }

    /// The mean test macro-F1 curve of each strategy of each session on one chart: the strategy's colour, the
    /// session's number (1, 2, …) as the marker.
    static func overlay(_ c: CompareState, _ g: Glyphs) -> LineChart {
        var lines: [(session: Int, strategy: String, points: [(x: Double, y: Double)])] = []
        for (k, m) in c.models.enumerated() {
            for line in ExperimentCharts.metricMeans(model: m, metric: .macroF1) { lines.append((k, line.strategy, line.mean)) }
        }
        let xs = lines.flatMap { $0.points.map(\.x) }, ys = lines.flatMap { $0.points.map(\.y) }
        var chart = LineChart(title: "Test macro-F1 (%) · mean per strategy and session",
                              xRange: 0...max(1, xs.max() ?? 1), yRange: LineChart.niceRange(ys, fallback: 0...100, clampTo: 0...100))
        chart.formatX = LineChart.integer
        chart.formatY = { LineChart.fmt($0, 1) }
        for line in lines {
            let slot = c.styles.slot(line.strategy)
            chart.series.append(ChartSeries(points: line.points, ink: .series(slot), marker: SessionsScreen.sessionMark(line.session), emphasis: true))
        }
        return chart
    }

    /// "● Default  ▲ DENI   1 2 3 = S1 S2 S3": what colour and marker mean on the overlay.
    static func legend(_ grid: inout CellGrid, _ c: CompareState, _ r: Rect, _ g: Glyphs) {
        var x = r.x
        for row in c.comparison.rows {
            let slot = c.styles.slot(row.strategy), item = " \(row.strategy)  "
            if x + item.count + 1 > r.maxX { break }
            grid.set(x, r.y, g.marker(slot), Style(.series(slot), bold: true))
            x += 1 + grid.text(x + 1, r.y, item, Style(.series(slot)))
        }
        let sessions = c.names.indices.map { "\($0 + 1)" }.joined(separator: " ") + " = " + c.names.indices.map { "S\($0 + 1)" }.joined(separator: " ")
        grid.text(x, r.y, "(markers " + sessions + ")", Style(.muted), maxWidth: r.maxX - x)
    }
}
