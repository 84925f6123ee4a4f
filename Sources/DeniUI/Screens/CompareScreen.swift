import DeniExperiments

/// Two sessions side by side: per-strategy macro-F1 of each, the difference, and their mean test curves.
enum CompareScreen {
    static func draw(_ grid: inout CellGrid, _ c: CompareState, _ rect: Rect, _ g: Glyphs) {
        let (a, b) = c.models
        var y = rect.y
        grid.text(rect.x + 1, y, "Compare  A: \(c.names.0) (\(a.config.dataset))  ·  B: \(c.names.1) (\(b.config.dataset))",
                  Style(.title, bold: true), maxWidth: rect.width - 2)
        y += 2
        let header = Format.fit("Strategy", 18) + Format.fit("A macro-F1", 20, right: true) + Format.fit("n", 5, right: true)
            + Format.fit("B macro-F1", 20, right: true) + Format.fit("n", 5, right: true) + "  " + Format.fit("B − A", 30)
        grid.text(rect.x + 2, y, header, Style(.accent, bold: true), maxWidth: rect.width - 3)
        y += 1
        for (i, row) in c.comparison.rows.enumerated() {
            guard y < rect.y + rect.height / 2 - 1 else { break }
            let ra = row.results.first ?? nil, rb = row.results.dropFirst().first ?? nil
            func cell(_ r: StrategyResult?) -> String { r.map { Format.meanStd($0.macroF1.mean, $0.macroF1.std) } ?? "–" }
            let line = Format.fit(row.strategy, 18)
                + Format.fit(cell(ra), 20, right: true) + Format.fit(ra.map { "\($0.macroF1.count)" } ?? "–", 5, right: true)
                + Format.fit(cell(rb), 20, right: true) + Format.fit(rb.map { "\($0.macroF1.count)" } ?? "–", 5, right: true)
                + "  " + difference(row.tests.first ?? nil)
            let index = a.strategyIndex(row.strategy)
            grid.set(rect.x + 1, y, g.marker(index), Style(.series(index), bold: true))
            grid.text(rect.x + 2, y, line, Style(reverse: i == c.cursor), maxWidth: rect.width - 3)
            y += 1
        }
        grid.text(rect.x + 2, y, "B − A: paired mean difference over runs with the same index and seeds (95 % bootstrap CI, Wilcoxon p); "
                  + "without 2 such pairs, difference of means (Welch's t).", Style(.muted), maxWidth: rect.width - 3)
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

    /// "+1.23 [+0.10, +2.30] p 0.03 (paired, 5)" or "+1.23 p 0.04 (Welch)" or "–".
    static func difference(_ t: CrossSessionTest?) -> String {
        guard let t else { return "–" }
        if let i = t.interval {
            return ResultsText.difference(i, pairs: t.n) + " p " + Format.p(t.p) + " (paired, \(t.n))"
        }
        return ResultsText.signed(t.difference) + " p " + Format.p(t.p) + " (Welch)"
    }
}
