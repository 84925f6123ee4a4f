import DeniExperiments

/// The Sessions browser: saved sessions (filtered, sorted), open one for replay, mark several (space) and compare
/// them (c), tag, rename, delete, load a config into Setup, resume.
enum SessionsScreen {
    /// A column of the list: its title, the sort it shows, the width it wants and its cell.
    struct Column {
        var title: String, sort: SessionsSort?, natural: Int
        var cell: (SessionRow) -> String
    }

    /// "2026-11-30T10:11:12Z" as "2026-11-30 10:11".
    static func shortDate(_ iso: String) -> String { String(iso.replacingOccurrences(of: "T", with: " ").prefix(16)) }

    /// The columns that fit `width` (after the 3-column cursor gutter), with their widths: each as wide as its longest
    /// cell (the name up to 60, the best score up to 32), the strategies the rest; narrower, columns shrink and go.
    static func layout(_ rows: [SessionRow], width: Int) -> [(Column, Int)] {
        func longest(_ f: (SessionRow) -> String, _ title: String, cap: Int) -> Int {
            min(cap, max(title.count, rows.map { f($0).unicodeScalars.count }.max() ?? 0))
        }
        let tags = { (r: SessionRow) in r.tags.joined(separator: ",") }
        let best = { (r: SessionRow) in r.best ?? "–" }
        var cols: [Column] = [
            Column(title: "Name", sort: .name, natural: longest(\.name, "Name", cap: 60)) { $0.name },
            Column(title: "Date", sort: .date, natural: 16) { shortDate($0.date) },
            Column(title: "Dataset", sort: .dataset, natural: longest(\.dataset, "Dataset", cap: 12)) { $0.dataset },
            Column(title: "Runs", sort: .runs, natural: 4) { "\($0.runs)" },
            Column(title: "Status", sort: nil, natural: 11) { $0.status },
            Column(title: "Best macro-F1", sort: .best, natural: longest(best, "Best macro-F1", cap: 32), cell: best),
        ]
        if rows.contains(where: { !$0.tags.isEmpty }) {
            cols.append(Column(title: "Tags", sort: nil, natural: longest(tags, "Tags", cap: 20), cell: tags))
        }
        cols.append(Column(title: "Strategies · what varies", sort: nil, natural: 10) { r in
            SessionCatalog.strategySummary(r.strategies) + (r.varies.map { " · " + $0 } ?? "")
        })
        var widths = cols.map(\.natural)
        func total() -> Int { widths.reduce(0, +) + widths.count - 1 }
        func drop(_ title: String) {
            if total() > width, let i = cols.firstIndex(where: { $0.title == title }) { cols.remove(at: i); widths.remove(at: i) }
        }
        func shrink(_ i: Int?, to least: Int) {
            if total() > width, let i { widths[i] = max(min(widths[i], least), widths[i] - (total() - width)) }
        }
        // The strategies take what the others leave (at least 10 columns, or they go); then, until the row fits,
        // the name shrinks to 32, tags, date and dataset go, the best score shrinks to 18, the name to 12, the best
        // score to 14.
        drop("Strategies · what varies")
        shrink(0, to: 32)
        drop("Tags")
        drop("Date")
        drop("Dataset")
        shrink(cols.firstIndex { $0.sort == .best }, to: 18)
        shrink(0, to: 12)
        shrink(cols.firstIndex { $0.sort == .best }, to: 14)
        if let last = widths.indices.last { widths[last] = max(0, widths[last] + width - total()) }
        return Array(zip(cols, widths))
    }

    static func draw(_ grid: inout CellGrid, _ s: AppState, _ rect: Rect) {
        let st = s.sessions, g = s.glyphs
        let rows = s.visibleSessions
        var y = rect.y
        var x = rect.x + 1 + grid.text(rect.x + 1, y, "Saved sessions", Style(.title, bold: true))
        let arrow = st.descending ? (g.unicode ? "↓" : "v") : (g.unicode ? "↑" : "^")
        var info = " · sort \(st.sort.rawValue) \(arrow)"
        if !st.filter.isEmpty { info += " · \(rows.count) of \(st.listings.count) match '\(st.filter)'" }
        if let l = st.loading { info += " · loading \(l)…" }
        x += grid.text(x, y, info, Style(st.loading == nil ? .muted : .accent), maxWidth: rect.maxX - x)
        y += 1
        if let p = st.prompt {
            let label = switch p.kind {
            case .filter: "filter: "
            case .rename: "new name for \(p.target): "
            case .tags: "tags of \(p.target) (comma-separated): "
            case .note: "note on \(p.target): "
            }
            let w = grid.text(rect.x + 1, y, label, Style(.accent, bold: true), maxWidth: rect.width - 2)
            let room = rect.width - 3 - w
            let shown = String(String.UnicodeScalarView(p.text.unicodeScalars.suffix(max(0, room))))
            grid.text(rect.x + 1 + w, y, shown + "_", Style(.title), maxWidth: max(0, room + 1))
            y += 1
        }
        let marked = st.marks.isEmpty ? nil
            : "marked for comparison: " + st.marks.enumerated().map { "S\($0.offset + 1) \($0.element)" }.joined(separator: " · ")
              + " · c compares (with the session under the cursor)"
        for (line, ink) in [(st.error.map { "cannot list sessions: \($0)" }, Ink.error), (marked, .warning), (st.notice, .accent)] {
            guard let line else { continue }
            grid.text(rect.x + 1, y, line, Style(ink, bold: ink == .error), maxWidth: rect.width - 2)
            y += 1
        }
        y += 1
        if rows.isEmpty {
            let text = !st.loaded ? "reading…" : st.listings.isEmpty ? "No saved sessions yet: start training from Setup (1)."
                : "No session matches '\(st.filter)': Esc clears the filter."
            grid.text(rect.x + 1, y, text, Style(.muted), maxWidth: rect.width - 2)
            return
        }
        let cols = layout(rows, width: rect.width - 3)
        x = rect.x + 3
        for (c, w) in cols {
            let sorted = c.sort == st.sort
            grid.text(x, y, Format.fit(c.title + (sorted ? " " + arrow : ""), w), Style(sorted ? .title : .accent, bold: true))
            x += w + 1
        }
        y += 1
        let current = rows.indices.contains(st.cursor) ? rows[st.cursor] : nil
        let footer = current.map { r in (r.note.map { "note: " + $0 } ?? "") } ?? ""
        let bottom = footer.isEmpty ? rect.maxY : rect.maxY - 1
        let visible = max(1, bottom - y)
        let top = min(max(0, st.cursor - visible / 2), max(0, rows.count - visible))
        for (i, r) in rows.enumerated().dropFirst(top) {
            guard y < bottom else { break }
            let here = i == st.cursor
            if here { grid.set(rect.x, y, g.selection, Style(.accent, bold: true)) }
            if let k = st.marks.firstIndex(of: r.name) { grid.set(rect.x + 1, y, Self.sessionMark(k), Style(.warning, bold: true)) }
            let statusInk: Ink = r.status == "finished" ? .good : (r.status == "failed" || r.status == "unreadable" ? .error : .warning)
            x = rect.x + 3
            for (c, w) in cols {
                let ink: Ink = c.title == "Status" ? statusInk : (c.title.hasPrefix("Strategies") || c.title == "Tags" ? .muted : .normal)
                grid.text(x, y, Format.fit(c.cell(r), w), Style(ink, bold: here && c.sort == .name, reverse: here))
                x += w + 1
            }
            y += 1
        }
        if !footer.isEmpty { grid.text(rect.x + 1, rect.maxY - 1, footer, Style(.muted), maxWidth: rect.width - 2) }
    }

    /// The mark of the k-th session of a comparison (0-based): its number, as the Compare chart draws it.
    static func sessionMark(_ k: Int) -> Unicode.Scalar { Unicode.Scalar(UInt8(ascii: "1") + UInt8(min(max(0, k), 8))) }
}
