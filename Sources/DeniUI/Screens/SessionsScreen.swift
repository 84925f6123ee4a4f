import DeniExperiments

/// The Sessions browser: saved sessions, open one for replay, mark several (space) and compare them (c).
enum SessionsScreen {
    static func draw(_ grid: inout CellGrid, _ s: AppState, _ rect: Rect) {
        let st = s.sessions, g = s.glyphs
        var y = rect.y
        grid.text(rect.x + 1, y, "Saved sessions", Style(.title, bold: true))
        if let l = st.loading { grid.text(rect.x + 17, y, "· loading \(l)…", Style(.accent), maxWidth: rect.width - 18) }
        y += 1
        if let e = st.error {
            grid.text(rect.x + 1, y, "cannot list sessions: \(e)", Style(.error, bold: true), maxWidth: rect.width - 2)
            y += 1
        }
        if !st.marks.isEmpty {
            let list = st.marks.enumerated().map { "S\($0.offset + 1) \($0.element)" }.joined(separator: " · ")
            grid.text(rect.x + 1, y, "marked for comparison: \(list) · c compares (with the session under the cursor)", Style(.warning), maxWidth: rect.width - 2)
            y += 1
        }
        y += 1
        if st.listings.isEmpty {
            grid.text(rect.x + 1, y, st.loaded ? "No saved sessions yet: start training from Setup (1)." : "reading…", Style(.muted), maxWidth: rect.width - 2)
            return
        }
        let widths = [24, 17, 9, 6, 11, 14]
        let titles = ["Name", "Date", "Dataset", "Runs", "Status", "Best"]
        var x = rect.x + 3
        for (t, w) in zip(titles, widths) { grid.text(x, y, Format.fit(t, w), Style(.accent, bold: true)); x += w + 1 }
        grid.text(x, y, "Strategies · what varies", Style(.accent, bold: true), maxWidth: max(0, rect.maxX - x))
        y += 1
        let visible = rect.maxY - y
        let top = min(max(0, st.cursor - visible / 2), max(0, st.listings.count - visible))
        for (i, l) in st.listings.enumerated().dropFirst(top) {
            guard y < rect.maxY else { break }
            let current = i == st.cursor
            if current { grid.set(rect.x, y, g.selection, Style(.accent, bold: true)) }
            if let k = st.marks.firstIndex(of: l.name) { grid.set(rect.x + 1, y, Self.sessionMark(k), Style(.warning, bold: true)) }
            let statusInk: Ink = l.status == "finished" ? .good : (l.status == "failed" ? .error : .warning)
            let cells = [l.name, l.date, l.dataset, "\(l.runs)", l.status, l.best ?? "–"]
            x = rect.x + 3
            for (ci, (v, w)) in zip(cells, widths).enumerated() {
                grid.text(x, y, Format.fit(v, w), Style(ci == 4 ? statusInk : .normal, bold: current && ci == 0, reverse: current))
                x += w + 1
            }
            let strategies = SessionCatalog.strategySummary(l.strategies) + (l.varies.map { " · " + $0 } ?? "")
            grid.text(x, y, strategies, Style(.muted, reverse: current), maxWidth: max(0, rect.maxX - x))
            y += 1
        }
    }

    /// The mark of the k-th session of a comparison (0-based): its number, as the Compare chart draws it.
    static func sessionMark(_ k: Int) -> Unicode.Scalar { Unicode.Scalar(UInt8(ascii: "1") + UInt8(min(max(0, k), 8))) }
}
