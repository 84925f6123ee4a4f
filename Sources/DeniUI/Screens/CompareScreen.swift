/// Two sessions side by side: per-strategy macro-F1 of each, the difference, and their mean test curves.
enum CompareScreen {
    static func draw(_ grid: inout CellGrid, _ c: CompareState, _ rect: Rect, _ g: Glyphs) {
        let (a, b) = c.models
        let rowsA = a.strategyRows(table: c.tables.0), rowsB = b.strategyRows(table: c.tables.1)
        var names: [String] = rowsA.map(\.strategy)
        for r in rowsB where !names.contains(r.strategy) { names.append(r.strategy) }
        var y = rect.y
        grid.text(rect.x + 1, y, "Compare  A: \(c.names.0) (\(a.config.dataset))  ·  B: \(c.names.1) (\(b.config.dataset))",
                  Style(.title, bold: true), maxWidth: rect.width - 2)
        y += 2
        let header = Format.fit("Strategy", 18) + Format.fit("A macro-F1", 20, right: true) + Format.fit("n", 5, right: true)
            + Format.fit("B macro-F1", 20, right: true) + Format.fit("n", 5, right: true) + Format.fit("B − A", 10, right: true)
        grid.text(rect.x + 2, y, header, Style(.accent, bold: true), maxWidth: rect.width - 3)
        y += 1
        for (i, name) in names.enumerated() {
            guard y < rect.y + rect.height / 2 else { break }
            let ra = rowsA.first { $0.strategy == name }, rb = rowsB.first { $0.strategy == name }
            let diff = (ra?.macroF1.mean).flatMap { am in (rb?.macroF1.mean).map { $0 - am } }
            let line = Format.fit(name, 18)
                + Format.fit(ra.map { Format.meanStd($0.macroF1.mean, $0.macroF1.std) } ?? "–", 20, right: true)
                + Format.fit(ra.map { "\($0.macroF1.count)" } ?? "–", 5, right: true)
                + Format.fit(rb.map { Format.meanStd($0.macroF1.mean, $0.macroF1.std) } ?? "–", 20, right: true)
                + Format.fit(rb.map { "\($0.macroF1.count)" } ?? "–", 5, right: true)
                + Format.fit(diff.map { ($0 >= 0 ? "+" : "") + Format.num($0) } ?? "–", 10, right: true)
            grid.set(rect.x + 1, y, g.marker(i), Style(.series(i), bold: true))
            grid.text(rect.x + 2, y, line, Style(reverse: i == c.cursor), maxWidth: rect.width - 3)
            y += 1
        }
        y += 1
        let h = rect.maxY - y
        guard h >= 6 else { return }
        let w = rect.width / 2
        var view = ExperimentView()
        view.chartMode = .strategies
        var ca = ExperimentCharts.metric(model: a, view: view, glyphs: g)
        var cb = ExperimentCharts.metric(model: b, view: view, glyphs: g)
        // One y range for both so the two charts read alike.
        let lo = min(ca.yRange.lowerBound, cb.yRange.lowerBound), hi = max(ca.yRange.upperBound, cb.yRange.upperBound)
        ca.yRange = lo...hi; cb.yRange = lo...hi
        ca.title = "A · " + ca.title; cb.title = "B · " + cb.title
        ca.draw(into: &grid, rect: Rect(x: rect.x, y: y, width: w - 1, height: h), glyphs: g)
        cb.draw(into: &grid, rect: Rect(x: rect.x + w, y: y, width: rect.width - w, height: h), glyphs: g)
    }
}
