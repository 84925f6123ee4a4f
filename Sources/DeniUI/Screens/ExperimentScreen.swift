import DeniTraining

/// The Live screen, also used for replay: runs list and cost meter on the left; progress, legend, loss and
/// test-metric charts, DENI's phase timeline, ensemble members and the log on the right.
enum ExperimentScreen {
    static func draw(_ grid: inout CellGrid, model m: ExperimentModel, view: ExperimentView, training: TrainingStatus?,
                     replay: ReplayPlayer?, queued: Int = 0, rect: Rect, glyphs g: Glyphs) {
        let leftW = max(26, min(40, rect.width / 3))
        let left = Rect(x: rect.x, y: rect.y, width: leftW, height: rect.height)
        let right = Rect(x: rect.x + leftW + 1, y: rect.y, width: rect.width - leftW - 1, height: rect.height)
        for y in rect.y..<rect.maxY { grid.set(rect.x + leftW, y, g.vertical, Style(.muted)) }
        drawLeft(&grid, m, view, left, g)

        var y = right.y
        if let p = replay { replayControls(&grid, p, Rect(x: right.x, y: y, width: right.width, height: 1), g) }
        else { progressLine(&grid, m, training ?? .idle, queued: queued, Rect(x: right.x, y: y, width: right.width, height: 1), g) }
        y += 1
        legend(&grid, m, view, Rect(x: right.x, y: y, width: right.width, height: 1), g)
        y += 1
        if view.logFocus {
            // The focused log takes the charts' place: long lines are read, not cut.
            logPane(&grid, m, view, Rect(x: right.x, y: y, width: right.width, height: right.maxY - y), g)
            return
        }
        let logH = max(3, min(8, right.height / 5))
        let chartH = right.maxY - y - 3 - logH
        if chartH >= 4 {
            let sideBySide = right.width >= 110
            let lossRect: Rect, metricRect: Rect
            if sideBySide {
                let w = right.width / 2
                lossRect = Rect(x: right.x, y: y, width: w - 1, height: chartH)
                metricRect = Rect(x: right.x + w, y: y, width: right.width - w, height: chartH)
            } else {
                let h = chartH / 2
                lossRect = Rect(x: right.x, y: y, width: right.width, height: h)
                metricRect = Rect(x: right.x, y: y + h, width: right.width, height: chartH - h)
            }
            let pixelW = max(2, (lossRect.width - 9) * 2)
            ExperimentCharts.loss(model: m, view: view, pixelWidth: pixelW, glyphs: g).draw(into: &grid, rect: lossRect, glyphs: g)
            ExperimentCharts.metric(model: m, view: view, glyphs: g).draw(into: &grid, rect: metricRect, glyphs: g)
            y += chartH
        }
        let sel = ExperimentCharts.selectedRun(m, view)
        timeline(&grid, sel, planned: sel?.planned, Rect(x: right.x, y: y, width: right.width, height: 2), g)
        y += 2
        members(&grid, sel, Rect(x: right.x, y: y, width: right.width, height: 1))
        y += 1
        logPane(&grid, m, view, Rect(x: right.x, y: y, width: right.width, height: right.maxY - y), g)
    }

    static func drawLeft(_ grid: inout CellGrid, _ m: ExperimentModel, _ view: ExperimentView, _ r: Rect, _ g: Glyphs) {
        let strategiesWithRuns = m.strategies.filter { !m.runs(of: $0).isEmpty }
        let costH = min(strategiesWithRuns.count + 1, max(0, r.height / 3))
        let listH = r.height - 1 - (costH > 1 ? costH + 1 : 0)
        let unfinished = m.unfinishedSummary
        grid.text(r.x + 1, r.y, "Runs \(m.finishedRuns)/\(m.plannedRuns) done" + (unfinished.isEmpty ? "" : " · \(unfinished)"),
                  Style(.title, bold: true), maxWidth: r.width - 1)
        let order = m.runOrder
        if order.isEmpty {
            grid.text(r.x + 1, r.y + 1, "waiting for the first run…", Style(.muted), maxWidth: r.width - 1)
        }
        let sel = min(view.selectedRun, max(0, order.count - 1))
        let top = min(max(0, sel - listH / 2), max(0, order.count - listH))
        for row in 0..<max(0, listH) {
            let i = top + row
            guard i < order.count, let run = m.runs[order[i]] else { break }
            let y = r.y + 1 + row
            let (ink, marker) = view.chartMode == .runs ? (Ink.series(run.id.run), g.marker(run.id.run))
                : (Ink.series(m.style(run.id.strategy)), g.marker(m.style(run.id.strategy)))
            if i == sel { grid.set(r.x, y, g.selection, Style(.accent, bold: true)) }
            grid.set(r.x + 1, y, marker, Style(ink, bold: true))
            let name = Format.fit(run.id.description, 12)
            grid.text(r.x + 3, y, name, Style(i == sel ? .title : .normal, bold: i == sel))
            let barW = max(0, r.width - 28)   // leaves 11 columns for the tail ("interrupted")
            var x = r.x + 16
            if barW >= 3 { grid.bar(x, y, width: barW, fraction: run.progress, ink: ink, glyphs: g); x += barW + 1 }
            let tail: String, style: Style
            switch run.state {
            case .running: tail = Format.fit(Format.percent(run.progress), 4, right: true) + " " + Format.duration(run.eta); style = Style()
            case .finished: tail = run.metrics.map { "F1 " + LineChart.fmt($0.macroF1, 1) } ?? "done"; style = Style(.good)
            case .failed: tail = "FAILED"; style = Style(.error, bold: true)
            case .cancelled: tail = "cancelled"; style = Style(.warning)
            case .interrupted: tail = "interrupted"; style = Style(.warning)
            }
            grid.text(x, y, tail, style, maxWidth: r.maxX - x)
        }
        guard costH > 1 else { return }
        var y = r.maxY - costH
        grid.text(r.x + 1, y, "Cost: model-steps ÷ Ensemble", Style(.title, bold: true), maxWidth: r.width - 1)
        y += 1
        for name in strategiesWithRuns.prefix(costH - 1) {
            let i = m.style(name)
            let runs = m.runs(of: name)
            let rel = runs.compactMap(m.relativeCost)
            let mean = rel.isEmpty ? Double.nan : rel.reduce(0, +) / Double(rel.count)
            grid.set(r.x + 1, y, g.marker(i), Style(.series(i), bold: true))
            grid.text(r.x + 3, y, Format.fit(name, 11), Style())
            let barW = max(0, r.width - 23)
            if barW >= 3 { grid.bar(r.x + 15, y, width: barW, fraction: mean, ink: .series(i), glyphs: g) }
            grid.text(r.x + 16 + barW, y, mean.isFinite ? LineChart.fmt(mean, 2) + "×" : "–", Style(), maxWidth: r.maxX - (r.x + 16 + barW))
            y += 1
        }
    }

    static func progressLine(_ grid: inout CellGrid, _ m: ExperimentModel, _ t: TrainingStatus, queued: Int, _ r: Rect, _ g: Glyphs) {
        let icon: String
        switch t {
        case .running: icon = g.unicode ? "▶ running" : "> running"
        case .paused: icon = g.unicode ? "⏸ PAUSED" : "|| PAUSED"
        default: icon = t.label
        }
        let ink: Ink = t == .paused || t == .stopping ? .warning : (t == .running ? .good : (t == .finished ? .good : .muted))
        var x = r.x + grid.text(r.x, r.y, icon, Style(ink, bold: true)) + 2
        x += grid.text(x, r.y, "overall ", Style(.muted))
        grid.bar(x, r.y, width: 16, fraction: m.overallProgress, ink: .accent, glyphs: g)
        x += 17
        let eps = m.examplesPerSecond.map { LineChart.fmt($0, $0 >= 100 ? 0 : 1) + " ex/s" } ?? "– ex/s"
        grid.text(x, r.y, "\(Format.percent(m.overallProgress)) · ETA \(Format.duration(m.overallETA)) · \(eps)" + (queued > 0 ? " · \(queued) queued" : ""),
                  Style(), maxWidth: r.maxX - x)
    }

    static func replayControls(_ grid: inout CellGrid, _ p: ReplayPlayer, _ r: Rect, _ g: Glyphs) {
        let state = p.atEnd ? "end" : (p.paused ? "paused" : (g.unicode ? "▶ playing" : "> playing"))
        let speed = p.speed.isInfinite ? "instant" : "\(Int(p.speed))×"
        var x = r.x + grid.text(r.x, r.y, "replay \(state) \(speed) ", Style(.accent, bold: true))
        grid.bar(x, r.y, width: 16, fraction: p.fraction, ink: .accent, glyphs: g)
        x += 17
        grid.text(x, r.y, "event \(p.position)/\(p.events.count) · t \(Format.duration(p.clock))/\(Format.duration(p.duration))",
                  Style(), maxWidth: r.maxX - x)
    }

    static func legend(_ grid: inout CellGrid, _ m: ExperimentModel, _ view: ExperimentView, _ r: Rect, _ g: Glyphs) {
        var x = r.x
        if view.chartMode == .strategies {
            for s in m.strategies {
                let i = m.style(s), item = " \(s)  "
                if x + item.count + 1 > r.maxX { break }
                grid.set(x, r.y, g.marker(i), Style(.series(i), bold: true))
                x += 1 + grid.text(x + 1, r.y, item, Style(.series(i)))
            }
            grid.text(x, r.y, "(band: ± std)", Style(.muted), maxWidth: r.maxX - x)
        } else if let sel = ExperimentCharts.selectedRun(m, view) {
            x += grid.text(x, r.y, "\(sel.id.strategy): ", Style(.muted))
            for run in m.runs(of: sel.id.strategy) {
                let item = " #\(run.id.run) "
                if x + item.count + 1 > r.maxX { break }
                grid.set(x, r.y, g.marker(run.id.run), Style(.series(run.id.run), bold: true))
                x += 1 + grid.text(x + 1, r.y, item, Style(.series(run.id.run), bold: run.id == sel.id))
            }
        }
    }

    /// DENI's phases along the selected run's steps: single model, interpolation rounds, delayed ensemble.
    static func timeline(_ grid: inout CellGrid, _ run: RunTrack?, planned: [TrainingPhase]?, _ r: Rect, _ g: Glyphs) {
        guard let run, r.height >= 2 else { return }
        let label = "Phases \(run.id) "
        let x0 = r.x + min(label.count, 20)
        grid.text(r.x, r.y, label, Style(.title, bold: true), maxWidth: 20)
        let w = r.maxX - x0 - 1
        guard w > 2 else { return }
        let total = max(1, run.totalSteps, run.step)
        for c in 0..<w {
            let step = Int(Double(c) * Double(total) / Double(w)) + 1
            if step > run.step {
                // Ahead of the now marker: the schedule's plan, dimmed (a strategy without one: blank).
                let glyph: Unicode.Scalar = switch planned.flatMap({ step <= $0.count ? $0[step - 1] : nil }) {
                case .interpolating?: g.phaseInterpolating
                case .ensemble?: g.phaseEnsemble
                case .single?: g.phaseSingle
                case nil: g.phaseFuture
                }
                grid.set(x0 + c, r.y, glyph, Style(.muted, dim: true))
                continue
            }
            let phase = run.phases.last { $0.step <= step }?.phase ?? .single
            switch phase {
            case .single: grid.set(x0 + c, r.y, g.phaseSingle, Style(.normal))
            case .interpolating: grid.set(x0 + c, r.y, g.phaseInterpolating, Style(.accent, bold: true))
            case .ensemble: grid.set(x0 + c, r.y, g.phaseEnsemble, Style(.good, bold: true))
            }
        }
        let now = min(w - 1, Int(Double(run.step) / Double(total) * Double(w)))
        let keyText = g.unicode ? "─ single  ≈ interpolation  ≡ ensemble" : "- single  ~ interpolation  = ensemble"
        grid.text(r.x, r.y + 1, "step \(run.step)/\(run.totalSteps)", Style(.muted), maxWidth: 20)
        grid.set(x0 + max(0, now), r.y + 1, g.nowMarker, Style(.accent, bold: true))
        let kx = r.maxX - keyText.count - 1
        if kx > x0 + now + 2 { grid.text(kx, r.y + 1, keyText, Style(.muted)) }
    }

    static func members(_ grid: inout CellGrid, _ run: RunTrack?, _ r: Rect) {
        guard let run else { return }
        var text = "Members: "
        if let p = run.phase {
            let what = switch p.phase {
            case .single: "single model"
            case .interpolating: "interpolation round, \(p.members) noisy copies"
            case .ensemble: "delayed ensemble, \(p.members) members"
            }
            text += what + (p.detail.isEmpty ? "" : " · \(p.detail)") + " (since step \(p.step))"
        } else {
            text += "single model"
        }
        text += " · lr \(LineChart.compact(run.learningRate)) · epoch \(run.epoch)"
        grid.text(r.x, r.y, text, Style(), maxWidth: r.width)
    }

    /// The log, newest at the bottom, each line wrapped to the pane's width (continuations indented under the
    /// message); `view.logScroll` lines are hidden below. Focused (L), it fills the right side and its title says how to move.
    static func logPane(_ grid: inout CellGrid, _ m: ExperimentModel, _ view: ExperimentView, _ r: Rect, _ g: Glyphs) {
        guard r.height >= 2 else { return }
        for x in r.x..<r.maxX { grid.set(x, r.y, g.horizontal, Style(view.logFocus ? .accent : .muted)) }
        let scroll = min(view.logScroll, max(0, m.logs.count - 1))
        var title = " Log "
        if view.logFocus { title += "· j/k scroll · L/Esc leave " }
        if scroll > 0 { title += "· \(scroll) newer below " }
        grid.text(r.x + 1, r.y, title, Style(.title, bold: true), maxWidth: r.width - 2)
        let n = r.height - 1
        // Wrapped rows of the lines shown, from the newest shown upwards, until the pane is full. From 40 columns
        // the message starts beside its time and level and continues under itself.
        let wide = r.width >= 40
        var rows: [(String, Ink)] = []
        for l in m.logs.dropLast(scroll).reversed() {
            guard rows.count < n else { break }
            let ink: Ink = l.level == "error" ? .error : (l.level == "warning" ? .warning : .normal)
            let level = Format.fit(String(l.level.prefix(4)), 4)
            let wrapped: [String]
            if wide {
                let head = Format.fit(Format.duration(l.time), 7, right: true) + " " + level + " "
                wrapped = Renderer.wrap(l.message, width: max(8, r.width - head.count)).enumerated()
                    .map { i, part in (i == 0 ? head : String(repeating: " ", count: head.count)) + part }
            } else {
                // Narrow: the time, the level unless "info", then the message, continued two columns in.
                let text = Format.duration(l.time) + " " + (l.level == "info" ? "" : level + " ") + l.message
                wrapped = Renderer.wrap(text, width: max(8, r.width - 2)).enumerated().map { i, part in (i == 0 ? "" : "  ") + part }
            }
            rows.insert(contentsOf: wrapped.map { ($0, ink) }, at: 0)
        }
        for (i, row) in rows.suffix(n).enumerated() {
            grid.text(r.x, r.y + 1 + i, row.0, Style(row.1), maxWidth: r.width)
        }
    }
}
