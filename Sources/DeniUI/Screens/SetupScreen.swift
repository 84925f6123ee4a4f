import DeniExperiments
import DeniTraining

/// The Setup screen: a scrolling form (section headers, one field per line, inline refusal reasons) and a
/// panel explaining the current field.
enum SetupScreen {
    static func draw(_ grid: inout CellGrid, _ s: AppState, _ rect: Rect) {
        let st = s.setup, g = s.glyphs
        let fields = st.fields
        // Lines: section headers and fields.
        var lines: [(field: SetupField?, section: String?)] = []
        var section = ""
        for f in fields {
            if st.section(f) != section { section = st.section(f); lines.append((nil, section)) }
            lines.append((f, nil))
        }
        let footer = 3
        let visible = max(1, rect.height - footer)
        let cursorField = st.currentField
        let cursorLine = lines.firstIndex { $0.field == cursorField } ?? 0
        let top = min(max(0, cursorLine - visible / 2), max(0, lines.count - visible))
        let labelW = 22
        let valueW = max(10, min(52, (rect.width - labelW - 6) * 5 / 9))
        let helpX = rect.x + 2 + labelW + valueW + 2

        for row in 0..<visible {
            let i = top + row
            guard i < lines.count else { break }
            let y = rect.y + row
            let line = lines[i]
            if let sec = line.section {
                grid.text(rect.x + 1, y, sec, Style(.accent, bold: true, underline: true))
                if sec == "Strategies to compare" {
                    grid.text(rect.x + 1 + sec.count + 1, y, "(space toggles)", Style(.muted))
                }
                continue
            }
            let f = line.field!
            let current = f == cursorField
            if current { grid.set(rect.x, y, g.selection, Style(.accent, bold: true)) }
            var labelStyle = Style(current ? .title : .normal, bold: current)
            if case .strategy(let k) = f {
                let on = st.config.strategies.contains { $0.kind == k }
                let idx = StrategyStyles.slot(of: k)
                grid.set(rect.x + 2, y, on ? g.check : g.uncheck, Style(on ? .good : .muted, bold: on))
                if on { grid.set(rect.x + 4, y, g.marker(idx), Style(.series(idx))) }
                grid.text(rect.x + 6, y, k.displayName, labelStyle, maxWidth: labelW - 4)
                grid.text(rect.x + 2 + labelW, y, k.summary, Style(on ? .normal : .muted), maxWidth: rect.maxX - (rect.x + 2 + labelW) - 1)
                if current { grid.restyle(Rect(x: rect.x + 1, y: y, width: rect.width - 2, height: 1)) { $0.attributes |= Style.reverseBit } }
                continue
            }
            if f == .start { labelStyle = Style(.good, bold: true) }
            grid.text(rect.x + 2, y, st.label(f), labelStyle, maxWidth: labelW - 1)
            let vx = rect.x + 2 + labelW
            if let e = st.editing, e.field == f {
                // The tail of the buffer stays visible while typing.
                let shown = e.text.unicodeScalars.count >= valueW - 1 ? String(String.UnicodeScalarView(e.text.unicodeScalars.suffix(valueW - 1))) : e.text
                grid.fill(Rect(x: vx, y: y, width: valueW, height: 1), " ", Style(.normal, underline: true))
                let n = grid.text(vx, y, shown, Style(.title, bold: true, underline: true))
                grid.set(vx + n, y, g.unicode ? "▏" : "_", Style(.accent, bold: true))
            } else if f != .start {
                let v = st.value(f)
                let choice = !st.isText(f)
                if v.isEmpty, let ph = st.placeholder(f) {
                    grid.text(vx, y, ph, Style(.muted, dim: true), maxWidth: valueW)
                } else {
                    // A path longer than the column keeps its end (the file name) in view.
                    let tail = !choice && v.contains("/") && v.unicodeScalars.count > valueW
                        ? g.ellipsis.description + String(String.UnicodeScalarView(v.unicodeScalars.suffix(valueW - 1))) : v
                    let shown = choice ? "‹ \(v) ›" : tail
                    grid.text(vx, y, g.unicode ? shown : (choice ? "< \(v) >" : tail), Style(current ? .accent : .normal, bold: current), maxWidth: valueW)
                }
            }
            if let err = st.errors[f] {
                grid.text(helpX, y, (g.unicode ? "✗ " : "x ") + err, Style(.error, bold: true), maxWidth: rect.maxX - helpX - 1)
            } else if helpX + 10 < rect.maxX {
                grid.text(helpX, y, st.help(f), Style(.muted), maxWidth: rect.maxX - helpX - 1)
            }
        }

        // Footer: the current field's explanation, the plan, and any message.
        let fy = rect.maxY - footer
        for x in rect.x..<rect.maxX { grid.set(x, fy, g.horizontal, Style(.muted)) }
        if let err = st.errors[cursorField] {
            // A long refusal (a path, the valid values) wraps onto the plan's line rather than being cut.
            let lines = Renderer.wrap("\(st.label(cursorField)): \(err)", width: rect.width - 2)
            for (i, l) in lines.prefix(2).enumerated() { grid.text(rect.x + 1, fy + 1 + i, l, Style(.error, bold: true), maxWidth: rect.width - 2) }
            if lines.count > 1 { return }
        } else {
            grid.text(rect.x + 1, fy + 1, "\(st.label(cursorField)): \(st.help(cursorField))", Style(), maxWidth: rect.width - 2)
        }
        let c = st.config
        let indices = c.firstRun == 0 ? "" : " " + c.runRange
        var plan = "\(c.strategies.count) strategies × \(c.runs) runs\(indices) = \(c.strategies.count * c.runs) runs · \(c.trainSamples) samples · \(c.epochs) epochs · batch \(c.batchSize) · \(c.tuning.kind.rawValue)"
        if let d = st.selectedDataset { plan += " · \(d.key)" }
        if st.message == nil, st.datasetIsFile, let preview = st.preview {
            // A user's file: what training would read from it, or why it cannot.
            let (text, style): (String, Style) = switch preview {
            case .loaded(let p): ("your file: \(p.examples) rows · \(p.classNames.count) classes" + (p.columns.map { " · " + $0 } ?? "") + " · D: preview", Style(.good))
            case .failed(let problem): ("cannot read the file: " + problem, Style(.error, bold: true))
            case .loading: ("reading the file…", Style(.muted))
            }
            grid.text(rect.x + 1, fy + 2, text, style, maxWidth: rect.width - 2)
        } else if let m = st.message {
            let bad = m.hasPrefix("cannot") || m.hasPrefix("could not")
            grid.text(rect.x + 1, fy + 2, m, Style(bad ? .error : .good, bold: bad), maxWidth: rect.width - 2)
        } else {
            grid.text(rect.x + 1, fy + 2, plan, Style(.muted), maxWidth: rect.width - 2)
        }
    }
}
