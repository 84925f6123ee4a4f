import DeniCore
import DeniExperiments
import DeniData
/// Renders the whole state to a cell grid: header, the current screen, status bar and any overlay.
public enum Renderer {
    public static func render(_ state: AppState) -> CellGrid {
        var grid = draw(state)
        if state.ascii { grid.asciify() }
        return grid
    }

    private static func draw(_ state: AppState) -> CellGrid {
        var grid = CellGrid(width: state.width, height: state.height)
        let g = state.glyphs
        if state.tooSmall {
            tooSmall(&grid, state)
            return grid
        }
        header(&grid, state)
        let body = Rect(x: 0, y: 1, width: state.width, height: state.height - 2)
        switch state.screen {
        case .setup: SetupScreen.draw(&grid, state, body)
        case .live:
            if let m = state.live { ExperimentScreen.draw(&grid, model: m, view: state.liveView, training: state.training, replay: nil, queued: state.queue.count, rect: body, glyphs: g) }
        case .replay:
            if let p = state.replay { ExperimentScreen.draw(&grid, model: p.model, view: state.replayView, training: nil, replay: p, rect: body, glyphs: g) }
        case .results: ResultsScreen.draw(&grid, state, body)
        case .sessions: SessionsScreen.draw(&grid, state, body)
        case .compare: if let c = state.compare { CompareScreen.draw(&grid, c, body, g) }
        }
        statusBar(&grid, state)
        if let o = state.overlay { overlay(&grid, o, state) }
        return grid
    }

    static func tooSmall(_ grid: inout CellGrid, _ s: AppState) {
        let lines = ["terminal too small", "\(s.width)x\(s.height), need", "\(AppState.minWidth)x\(AppState.minHeight)", "q quits"]
        let top = max(0, (s.height - lines.count) / 2)
        for (i, l) in lines.enumerated() {
            grid.textCentered(Rect(x: 0, y: 0, width: s.width, height: s.height), top + i, l, Style(i == 0 ? .warning : .normal, bold: i == 0))
        }
    }

    static func header(_ grid: inout CellGrid, _ s: AppState) {
        grid.fill(Rect(x: 0, y: 0, width: s.width, height: 1), " ", Style(.title, reverse: true))
        var x = grid.text(0, 0, " deni ", Style(.title, bold: true, reverse: true))
        let tabs: [(String, Screen)] = [("1 Setup", .setup), ("2 Live", .live), ("3 Results", .results), ("4 Sessions", .sessions)]
        for (label, screen) in tabs {
            let current = s.screen == screen || (screen == .sessions && (s.screen == .replay || s.screen == .compare))
            x += grid.text(x, 0, " \(label) ", current ? Style(.accent, bold: true) : Style(.title, reverse: true))
        }
        var right: String
        if s.screen == .replay, let p = s.replay {
            right = "replay \(p.name)"
        } else if let m = s.live, s.training != .idle {
            right = "\(s.training.label) · \(m.finishedRuns)/\(m.plannedRuns) runs" + (m.unfinishedSummary.isEmpty ? "" : " (\(m.unfinishedSummary))")
                + " · \(Format.percent(m.overallProgress))"
            if s.training.isActive { right += " · ETA \(Format.duration(m.overallETA))" }
            if let u = s.engineUsage { right += " · cpu \(Int(u.cpuPercent.rounded()))% · \(u.residentBytes >> 20) MiB" }
        } else {
            right = "idle"
        }
        right += " "
        if x + right.count < s.width { grid.textRight(s.width, 0, right, Style(.title, reverse: true)) }
    }

    static func statusBar(_ grid: inout CellGrid, _ s: AppState) {
        let y = s.height - 1
        var hints: [String]
        if s.screen == .setup, s.setup.editing != nil {
            hints = ["Enter accept", "Esc cancel", "Bksp delete", "^U clear"]
        } else if s.screen == .sessions, let p = s.sessions.prompt {
            hints = p.kind == .filter ? ["Enter keep", "Esc clear", "Bksp delete", "^U clear"] : ["Enter save", "Esc cancel", "Bksp delete", "^U clear"]
        } else {
            hints = KeyTable.hints(for: s.keyContext)
        }
        // Room for the theme at the right: the screen's own hints give way (from the last of them), "? help" and
        // "q back" stay — the help lists every key.
        let theme = "\(s.theme.rawValue)\(s.ascii ? " ascii" : "")"
        func width(_ hs: [String]) -> Int { hs.reduce(1) { $0 + $1.unicodeScalars.count + 2 } }
        while hints.count > 2 && width(hints) + theme.count + 1 > s.width { hints.remove(at: hints.count - 3) }
        var x = 1
        for h in hints {
            let n = h.unicodeScalars.count
            if x + n >= s.width { break }
            let parts = h.split(separator: " ", maxSplits: 1)
            x += grid.text(x, y, String(parts[0]), Style(.accent, bold: true))
            if parts.count > 1 { x += grid.text(x, y, " " + parts[1], Style(.muted)) }
            x += 2
        }
        if x + theme.count + 1 < s.width { grid.textRight(s.width - 1, y, theme, Style(.muted)) }
    }

    static func overlay(_ grid: inout CellGrid, _ o: Overlay, _ s: AppState) {
        var lines: [(String, Style)]
        var title: String
        switch o {
        case .help:
            title = "Keys · j/k scroll · any other key closes"
            lines = []
            var section = ""
            for l in KeyTable.helpLines(for: s.keyContext) {
                if l.section != section { section = l.section; lines.append((section, Style(.accent, bold: true))) }
                lines.append(("  " + Format.fit(l.keys, 14) + l.description, Style()))
            }
        case .confirmQuit:
            title = "Quit while training?"
            lines = [("Training stops after the current step.", Style()), ("The session is kept and can be resumed.", Style()),
                     ("", Style()), ("y quit    n stay", Style(.accent, bold: true))]
        case .confirmCancelAll:
            title = "Cancel all runs?"
            lines = [("The experiment stops; finished runs are kept.", Style())]
                + (s.queue.isEmpty ? [] : [("The \(s.queue.count) queued experiment(s) are dropped.", Style())])
                + [("", Style()), ("y cancel all    n keep going", Style(.accent, bold: true))]
        case .confirmDeleteSession(let name):
            title = "Delete this session?"
            lines = [(name, Style(.title, bold: true)), ("It moves to .trash/ in the sessions folder;", Style()),
                     ("empty that folder to free the space.", Style()), ("", Style()), ("y delete    n keep", Style(.accent, bold: true))]
        case .confirmCancelRun:
            title = "Cancel the current run?"
            lines = [("The run ends as cancelled; the next one starts.", Style()), ("", Style()), ("y cancel run    n keep going", Style(.accent, bold: true))]
        case .confirmStart:
            title = "Start a long experiment?"
            let e = s.pendingStart?.estimate
            lines = wrap(e?.summary ?? "", width: max(10, min(70, s.width - 8))).map { ($0, Style()) }
                + [("It is over \(Int(LongRunRule.threshold / 60)) min; it can be paused, cancelled and resumed.", Style()),
                   ("", Style()), (s.training.isActive ? "y queue it    n not now" : "y start    n not now", Style(.accent, bold: true))]
        case .dataPreview:
            title = "Your data, as training reads it"
            lines = dataPreviewLines(s.setup.preview, width: max(20, min(100, s.width - 8)))
        case let .message(t, text):
            title = t
            lines = wrap(text, width: max(10, min(70, s.width - 8))).map { ($0, Style()) } + [("", Style()), ("any key closes", Style(.muted))]
        }
        let width = min(s.width - 2, max(title.count + 6, (lines.map { $0.0.unicodeScalars.count }.max() ?? 0) + 4))
        let maxLines = max(1, s.height - 4)
        if lines.count > maxLines {
            // Scrollable (help): a window of lines with a marker where more follow.
            let top = min(s.helpScroll, lines.count - (maxLines - 1))
            let more = top + maxLines - 1 < lines.count
            lines = Array(lines[top..<min(lines.count, top + maxLines - 1)])
            lines.append((more ? "  \(s.glyphs.ellipsis) more: j / PgDn" : "  (end)", Style(.muted)))
        }
        let height = lines.count + 2
        let r = Rect(x: (s.width - width) / 2, y: max(1, (s.height - height) / 2), width: width, height: height)
        grid.fill(r, " ", Style())
        grid.box(r, title: title, glyphs: s.glyphs, style: Style(.accent))
        for (i, l) in lines.enumerated() { grid.text(r.x + 2, r.y + 1 + i, l.0, l.1, maxWidth: r.width - 4) }
    }

    /// The data preview overlay: size and parts, the columns read, the classes with counts, the first rows.
    static func dataPreviewLines(_ state: DataPreviewState?, width: Int) -> [(String, Style)] {
        var lines: [(String, Style)] = []
        switch state {
        case .loaded(let p)?:
            lines.append(("\(p.name): \(p.examples) rows (\(p.parts))" + (p.skippedRows > 0 ? " · \(p.skippedRows) bad rows skipped" : ""), Style(.title, bold: true)))
            if let c = p.columns { lines += wrap("read from: " + c, width: width).map { ($0, Style()) } }
            let classes = zip(p.classNames, p.classCounts).map { "\($0.escapingControlCharacters) \($1)" }.joined(separator: " · ")
            lines += wrap("\(p.classNames.count) classes: " + classes, width: width).map { ($0, Style()) }
            lines.append(("", Style()))
            lines.append(("first rows (label │ text):", Style(.accent, bold: true)))
            let labelW = min(16, (p.classNames.map(\.count).max() ?? 5) + 1)
            for e in p.firstRows {
                let label = e.label < p.classNames.count ? p.classNames[e.label] : "\(e.label)"
                let text = e.text.escapingControlCharacters + (e.pair.map { " ‖ " + $0.escapingControlCharacters } ?? "")
                lines.append((Format.fit(label.escapingControlCharacters, labelW) + "│ " + String(String.UnicodeScalarView(text.unicodeScalars.prefix(width - labelW - 2))), Style()))
            }
        case .failed(let problem)?:
            lines += wrap("cannot read the file: " + problem, width: width).map { ($0, Style(.error, bold: true)) }
        case .loading?, nil:
            lines.append(("reading the file…", Style(.muted)))
        }
        return lines + [("", Style()), ("any key closes", Style(.muted))]
    }

    /// Greedy word wrap.
    static func wrap(_ text: String, width: Int) -> [String] {
        var out: [String] = []
        for para in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in para.split(separator: " ") {
                var w = String(word)
                while w.count > width { if !line.isEmpty { out.append(line); line = "" }; out.append(String(w.prefix(width))); w = String(w.dropFirst(width)) }
                if line.isEmpty { line = w } else if line.count + 1 + w.count <= width { line += " " + w } else { out.append(line); line = w }
            }
            out.append(line)
        }
        return out
    }
}
