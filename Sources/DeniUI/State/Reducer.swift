import DeniData
import DeniExperiments
import DeniTraining

/// Inputs to the reducer: keys, training events, time, terminal size and the answers to earlier effects.
public enum Action: Hashable, Sendable {
    case key(Key)
    case events([TrainingEvent])
    case tick(Double)
    case resize(width: Int, height: Int)
    /// The driver returned; `failure` is its error message when it threw.
    case trainingEnded(failure: String?)
    case sessionsListed([SessionRow])
    case sessionsFailed(String)
    case sessionLoaded(name: String, LoadedSession)
    case sessionFailed(name: String, message: String)
    case compareLoaded(names: [String], sessions: [LoadedSession])
    /// A rename, delete or tag change was done (`notice` says what); the list is read again.
    case sessionChanged(notice: String)
    /// A session operation was refused or failed.
    case sessionOperationFailed(title: String, message: String)
    case sessionConfigLoaded(name: String, ExperimentConfig)
    /// A session was reopened for recording; `events` are those it recorded so far.
    case sessionResumed(config: ExperimentConfig, events: [TrainingEvent], message: String)
    case presetsLoaded([Preset])
    case presetSaved(Preset)
    case presetFailed(String)
    /// The estimate asked for by `Effect.estimateStart`: start (or queue) the experiment, asking first when
    /// `LongRunRule` says it is long.
    case startEstimated(ExperimentConfig, ExperimentEstimate)
    /// The engine's CPU use (percent of one core) and resident memory, measured about once a second while training.
    case usage(cpuPercent: Double, residentBytes: Int)
    /// The answer to `Effect.previewData` for the user's file `dataset` (`.loaded` or `.failed`).
    case dataPreviewed(dataset: String, DataPreviewState)
    /// SIGINT or SIGTERM arrived.
    case signal(Int32)
}

/// Work the reducer asks the app to do (I/O, the driver); answers come back as actions.
public enum Effect: Hashable, Sendable {
    /// Estimate how long `config` takes on this machine (`ExperimentEstimate`, from the recorded sessions).
    case estimateStart(ExperimentConfig)
    /// Load the user's data file of `config` as training would, for Setup's preview (`DatasetPreview`).
    case previewData(ExperimentConfig)
    case startTraining(ExperimentConfig)
    case pause, resume, cancelRun, cancelAll
    case listSessions
    case loadSession(String)
    /// Load these sessions (2 to `CompareState.maxSessions`, S1 first) and compare them.
    case loadCompare([String])
    case renameSession(String, to: String)
    case deleteSession(String)
    case saveSessionMeta(String, tags: [String], note: String?)
    case loadSessionConfig(String)
    case resumeSession(String)
    case savePreset(Preset)
    /// Repaint every cell (Ctrl-L).
    case redraw
}

extension AppState {
    /// Applies one action; returns the effects to run. Pure apart from `SetupState`'s path checks.
    public mutating func reduce(_ action: Action) -> [Effect] {
        switch action {
        case .tick(let t):
            return tick(t)
        default:
            revision &+= 1
        }
        switch action {
        case .key(let key): return handle(key)
        case .events(let events):
            if live == nil { live = ExperimentModel(config: setup.config) }
            var ended = false
            let logsBefore = live!.logs.count
            for e in events {
                live!.apply(e)
                if case .runEnd = e { ended = true }
            }
            // A log scrolled back keeps showing the same lines while new ones arrive below.
            if liveView.logScroll > 0 { liveView.logScroll = min(live!.logs.count - 1, liveView.logScroll + live!.logs.count - logsBefore) }
            if ended { liveTable = live?.results() }
            AppState.follow(&liveView, live!)
            return []
        case .tick: return []
        case let .resize(w, h):
            width = max(0, w); height = max(0, h)
            return []
        case .trainingEnded(let failure):
            live?.interruptRunningRuns()
            engineUsage = nil
            if let f = failure {
                training = .failed(f)
                let t = live?.latestTime ?? 0
                live?.apply(.stopped(f, time: t))
                if !exitAfterTraining { overlay = .message(title: "Training stopped", text: f) }
            } else {
                training = training == .stopping ? .cancelled : .finished
            }
            if exitAfterTraining { exitCode = exitCode ?? deferredExitCode; return [] }
            return startQueued()
        case .sessionsListed(let list):
            sessions.listings = list; sessions.loaded = true; sessions.error = nil
            sessions.cursor = min(sessions.cursor, max(0, visibleSessions.count - 1))
            return []
        case .sessionChanged(let notice):
            sessions.notice = notice
            return [.listSessions]
        case let .sessionOperationFailed(title, message):
            sessions.loading = nil
            overlay = .message(title: title, text: message)
            return []
        case let .sessionConfigLoaded(name, config):
            sessions.loading = nil
            setup.load(session: name, config: config)
            screen = .setup
            return []
        case let .sessionResumed(config, events, message):
            sessions.loading = nil
            beginTraining(config, recorded: events)
            let t = live?.latestTime ?? 0
            live?.appendLog(LogLine(level: "info", message: message, time: t))
            return []
        case .sessionsFailed(let message):
            sessions.error = message; sessions.loaded = true
            return []
        case let .sessionLoaded(name, session):
            sessions.loading = nil
            replay = ReplayPlayer(name: name, session: session)
            replayView = ExperimentView()
            resultsSource = .replay
            results = ResultsState()
            screen = .replay
            return []
        case let .sessionFailed(name, message):
            sessions.loading = nil
            overlay = .message(title: "Cannot open session '\(name)'", text: message)
            return []
        case let .compareLoaded(names, loaded):
            sessions.loading = nil
            guard names.count >= 2, loaded.count == names.count else { return [] }
            var models: [ExperimentModel] = [], entries: [ComparedSession] = []
            for (name, s) in zip(names, loaded) {
                var m = ExperimentModel(config: s.config)
                for e in s.events { m.apply(e) }
                let table = s.table ?? m.results() ?? ResultsTable(baseline: nil, rows: [])
                models.append(m)
                entries.append(ComparedSession(name: name, config: s.config, events: s.events, table: table, dataset: s.dataset, model: s.model))
            }
            compare = CompareState(names: names, models: models, comparison: SessionComparison(entries))
            sessions.marks = []
            screen = .compare
            return []
        case .presetsLoaded(let presets):
            setup.presets = [Preset.paper, Preset.quickLook] + presets.filter { !$0.builtIn }
            return []
        case .presetSaved(let p):
            setup.presets.removeAll { $0.name == p.name && !$0.builtIn }
            setup.presets.append(p)
            setup.presetIndex = setup.presets.count - 1
            setup.message = "saved preset '\(p.name)'"
            return []
        case .presetFailed(let message):
            setup.message = "could not save the preset: \(message)"
            return []
        case let .startEstimated(config, estimate):
            guard screen == .setup, overlay == nil else { return [] }
            if LongRunRule.needsConfirmation(estimate) {
                pendingStart = PendingStart(config: config, estimate: estimate)
                overlay = .confirmStart
                return []
            }
            return begin(config, estimate)
        case let .usage(cpu, resident):
            engineUsage = training.isActive ? EngineUsage(cpuPercent: cpu, residentBytes: resident) : nil
            return []
        case let .dataPreviewed(dataset, preview):
            guard setup.config.dataset == dataset else { return [] }   // the form moved on since
            setup.preview = preview
            if setup.previewRequested && overlay == nil && screen == .setup { overlay = .dataPreview }
            setup.previewRequested = false
            return []
        case .signal(let sig):
            return interrupted(by: sig)
        }
    }

    // MARK: time

    private mutating func tick(_ t: Double) -> [Effect] {
        let dt = max(0, min(1, t - now))
        now = t
        var changed = false
        if var p = replay, !p.paused, !p.atEnd {
            if p.advance(by: dt) > 0 { changed = true; AppState.follow(&replayView, p.model) }
            replay = p
        }
        if let m = live, AppState.rescale(&liveView, model: m, now: t) { changed = true }
        if let p = replay, AppState.rescale(&replayView, model: p.model, now: t) { changed = true }
        if changed { revision &+= 1 }
        return []
    }

    /// Recomputes chart ranges if a second has passed; returns whether they changed.
    static func rescale(_ view: inout ExperimentView, model: ExperimentModel, now: Double) -> Bool {
        guard now - view.rangesTime >= 1 else { return false }
        view.rangesTime = now
        let r = ExperimentCharts.ranges(model: model, view: view)
        if r == view.ranges { return false }
        view.ranges = r
        return true
    }

    // MARK: keys

    private mutating func handle(_ key: Key) -> [Effect] {
        if let o = overlay { return handleOverlay(o, key) }
        if screen == .setup, setup.editing != nil { return edit(key) }
        if screen == .sessions, sessions.prompt != nil { return sessionPrompt(key) }
        guard let command = KeyTable.command(for: key, in: keyContext) else { return [] }
        return perform(command)
    }

    private mutating func handleOverlay(_ o: Overlay, _ key: Key) -> [Effect] {
        let yes = key == .char("y") || key == .char("Y") || key == .enter
        let no = key == .char("n") || key == .char("N") || key == .escape || key == .char("q")
        switch o {
        case .help:
            switch key {
            case .char("j"), .down: helpScroll += 1
            case .char("k"), .up: helpScroll = max(0, helpScroll - 1)
            case .pageDown, .char(" "): helpScroll += 10
            case .pageUp: helpScroll = max(0, helpScroll - 10)
            default: overlay = nil
            }
            return []
        case .message, .dataPreview:
            overlay = nil
            return []
        case .confirmQuit:
            if yes {
                overlay = nil
                if training.isActive {
                    exitAfterTraining = true
                    training = .stopping
                    return [.cancelAll]
                }
                exitCode = 0
            } else if no { overlay = nil }
            return []
        case .confirmCancelAll:
            if yes {
                overlay = nil
                queue = []
                if training.isActive { training = .stopping; return [.cancelAll] }
            } else if no { overlay = nil }
            return []
        case .confirmStart:
            guard yes || no else { return [] }
            overlay = nil
            guard let p = pendingStart else { return [] }
            pendingStart = nil
            if yes { return begin(p.config, p.estimate) }
            setup.message = "not started (\(p.estimate.summary))"
            return []
        case .confirmDeleteSession(let name):
            if yes { overlay = nil; return [.deleteSession(name)] } else if no { overlay = nil }
            return []
        case .confirmCancelRun:
            if yes { overlay = nil; if training.isActive { return [.cancelRun] } } else if no { overlay = nil }
            return []
        }
    }

    private mutating func interrupted(by sig: Int32) -> [Effect] {
        if training.isActive && !exitAfterTraining {
            exitAfterTraining = true
            deferredExitCode = 128 + sig
            training = .stopping
            overlay = .message(title: "Interrupted (signal \(sig))", text: "Stopping training; the session stays resumable.")
            return [.cancelAll]
        }
        // Second signal, or nothing to stop: leave now.
        exitCode = 128 + sig
        return []
    }

    mutating func perform(_ command: Command) -> [Effect] {
        switch command {
        case .help: overlay = .help; helpScroll = 0; return []
        case .quit: return requestQuit()
        case .back: return back()
        case .cycleTheme: theme = theme.next; return []
        case .toggleASCII: ascii.toggle(); return []
        case .redraw: return [.redraw]
        case .showSetup: screen = .setup; return []
        case .showLive:
            if live == nil {
                overlay = .message(title: "Nothing is training", text: "Choose a setup and press s to start.")
            } else { screen = .live; resultsSource = .live }
            return []
        case .showResults:
            if resultsModel == nil && live != nil { resultsSource = .live }
            if resultsModel == nil {
                overlay = .message(title: "No results yet", text: "Start training (Setup, s) or open a session (4).")
            } else { screen = .results }
            return []
        case .showSessions:
            screen = .sessions
            return [.listSessions]
        default: break
        }
        switch screen {
        case .setup: return setupCommand(command)
        case .live: return liveCommand(command)
        case .results: resultsCommand(command); return []
        case .sessions: return sessionsCommand(command)
        case .replay: replayCommand(command); return []
        case .compare: compareCommand(command); return []
        }
    }

    private mutating func requestQuit() -> [Effect] {
        if training.isActive { overlay = .confirmQuit } else { exitCode = 0 }
        return []
    }

    private mutating func back() -> [Effect] {
        switch screen {
        case .setup: return requestQuit()
        case .live:
            if liveView.logFocus { liveView.logFocus = false } else { screen = .setup }
        case .results:
            switch results.drill {
            case .table: screen = resultsSource == .replay && replay != nil ? .replay : (live != nil ? .live : .setup)
            case .strategy: results.drill = .table
            case .run(let id): results.drill = .strategy(id.strategy)
            }
        case .sessions:
            if !sessions.filter.isEmpty { sessions.filter = ""; sessions.cursor = 0 } else { screen = .setup }
        case .replay:
            if replayView.logFocus { replayView.logFocus = false } else { screen = .sessions }
        case .compare: screen = .sessions
        }
        return []
    }

    // MARK: setup

    private mutating func setupCommand(_ c: Command) -> [Effect] {
        let fields = setup.fields
        func move(_ d: Int) { setup.cursor = min(max(0, setup.cursor + d), fields.count - 1) }
        let field = setup.currentField
        switch c {
        case .up: move(-1)
        case .down: move(1)
        case .pageUp: move(-10)
        case .pageDown: move(10)
        case .top: setup.cursor = 0
        case .bottom: setup.cursor = fields.count - 1
        case .left, .right, .toggle:
            if setup.isText(field) { return [] }
            if field == .start { return c == .toggle ? start() : [] }
            setup.errors[field] = setup.cycle(field, by: c == .left ? -1 : 1)
            setup.cursor = min(setup.cursor, setup.fields.count - 1)
            if setup.errors[field] == nil { return previewIfData(field) }
        case .select:
            if field == .start { return start() }
            if setup.isText(field) {
                setup.editing = EditBuffer(field: field, text: setup.value(field))
                setup.errors[field] = nil
            } else {
                setup.errors[field] = setup.cycle(field, by: 1)
                if setup.errors[field] == nil { return previewIfData(field) }
            }
        case .startTraining: return start()
        case .previewData:
            guard setup.datasetIsFile else {
                setup.message = "D previews your own data file; `deni datasets` lists the registered ones"
                return []
            }
            setup.previewRequested = true
            setup.preview = .loading
            return [.previewData(setup.config)]
        case .cyclePreset:
            setup.errors[.preset] = setup.cycle(.preset, by: 1)
        case .savePreset:
            return [.savePreset(Preset(name: setup.config.name, config: setup.config, builtIn: false))]
        default: break
        }
        return []
    }

    private mutating func edit(_ key: Key) -> [Effect] {
        guard var buf = setup.editing else { return [] }
        switch TextEntry.apply(key, to: &buf.text) {
        case .commit:
            let reason = setup.commit(buf.field, text: buf.text)
            setup.errors[buf.field] = reason
            guard reason == nil else { return [] }
            setup.editing = nil
            return previewIfData(buf.field)
        case .cancel:
            setup.editing = nil
            setup.errors[buf.field] = nil
        case .tooLong:
            setup.errors[buf.field] = "too long (over \(EditBuffer.maxLength) characters)"
        case .changed:
            setup.editing = buf
        case .ignored:
            break
        }
        return []
    }

    /// After a change to the dataset or how a user's file is read: its preview is loaded again (and dropped
    /// for a registered dataset).
    private mutating func previewIfData(_ field: SetupField) -> [Effect] {
        switch field {
        case .dataset, .datasetPath: break
        case .setting(let key) where key.hasPrefix("data."): break
        default: return []
        }
        guard setup.datasetIsFile, SetupState.checkDatasetFile(setup.config.dataset) == nil else { setup.preview = nil; return [] }
        setup.preview = .loading
        return [.previewData(setup.config)]
    }

    /// `s` on Setup: the form must be ready; then the estimate is asked for (`startEstimated` answers).
    private mutating func start() -> [Effect] {
        if let problem = setup.readiness() {
            setup.message = "cannot start: \(problem)"
            return []
        }
        setup.message = "estimating…"
        return [.estimateStart(setup.config)]
    }

    /// Starts `config` now, or queues it behind the experiment that is training.
    private mutating func begin(_ config: ExperimentConfig, _ estimate: ExperimentEstimate) -> [Effect] {
        if training.isActive {
            queue.append(config)
            setup.message = "queued '\(config.name)' after the running experiment (\(queue.count) queued): \(estimate.summary)"
            return []
        }
        setup.message = "started '\(config.name)': \(estimate.summary)"
        return launch(config)
    }

    /// The next queued experiment, once the one training has ended (not after a quit).
    private mutating func startQueued() -> [Effect] {
        guard !queue.isEmpty else { return [] }
        let next = queue.removeFirst()
        let ended = live.map { "'\($0.config.name)' \(training.label)" } ?? "the previous experiment ended"
        var effects = launch(next)
        live?.appendLog(LogLine(level: "info", message: "\(ended); starting queued '\(next.name)' (\(queue.count) left in the queue)", time: 0))
        effects.append(.listSessions)
        return effects
    }

    /// The class names of the dataset `config` trains on: the registry's, or those Setup's preview read from the
    /// user's file (empty when neither is known).
    private func classNames(of config: ExperimentConfig) -> [String] {
        if let names = DatasetRegistry.info(config.dataset)?.classNames { return names }
        if config.dataset == setup.config.dataset, case .loaded(let p)? = setup.preview { return p.classNames }
        return []
    }

    private mutating func launch(_ config: ExperimentConfig) -> [Effect] {
        beginTraining(config, recorded: [])
        return [.startTraining(config)]
    }

    /// The Live screen shows a new experiment (or a resumed one, from the events it recorded so far).
    mutating func beginTraining(_ config: ExperimentConfig, recorded: [TrainingEvent]) {
        var model = ExperimentModel(config: config, classNames: classNames(of: config))
        for e in recorded { model.apply(e) }
        live = model
        liveTable = model.results()
        liveView = ExperimentView()
        training = .running
        screen = .live
        resultsSource = .live
        results = ResultsState()
    }

    // MARK: live and replay views

    /// Where a cursor over `count` items goes for a movement command (nil for any other command).
    static func moved(_ cursor: Int, _ c: Command, count: Int) -> Int? {
        let last = max(0, count - 1)
        switch c {
        case .up: return max(0, cursor - 1)
        case .down: return min(last, cursor + 1)
        case .pageUp: return max(0, cursor - 10)
        case .pageDown: return min(last, cursor + 10)
        case .top: return 0
        case .bottom: return last
        default: return nil
        }
    }

    private static func viewCommand(_ c: Command, view: inout ExperimentView, runs: Int, logLines: Int) {
        if c == .focusLog { view.logFocus.toggle(); return }
        if view.logFocus, let line = AppState.moved(logLines - 1 - view.logScroll, c, count: logLines) {
            // The log has the movement keys, over its lines oldest first: up shows older lines, G follows the newest.
            view.logScroll = max(0, logLines - 1 - line)
            return
        }
        if let run = AppState.moved(view.selectedRun, c, count: runs) {
            view.selectedRun = run
            // On the newest run the selection follows training (each new run selects itself); elsewhere it stays.
            view.followsNewest = run >= runs - 1
            return
        }
        switch c {
        case .chartMode: view.chartMode = view.chartMode == .runs ? .strategies : .runs
        case .metric:
            view.metric = view.metric == .macroF1 ? .accuracy : .macroF1
            view.rangesTime = -.infinity
        default: break
        }
    }

    /// Selects the newest run when the view follows training.
    static func follow(_ view: inout ExperimentView, _ model: ExperimentModel) {
        if view.followsNewest { view.selectedRun = max(0, model.runOrder.count - 1) }
    }

    private mutating func liveCommand(_ c: Command) -> [Effect] {
        switch c {
        case .pauseResume:
            switch training {
            case .running: training = .paused; return [.pause]
            case .paused: training = .running; return [.resume]
            default: return []
            }
        case .cancelRun: if training.isActive && training != .stopping { overlay = .confirmCancelRun }
        case .cancelAll: if training.isActive && training != .stopping { overlay = .confirmCancelAll }
        case .select:
            if let m = live, liveView.selectedRun < m.runOrder.count {
                let id = m.runOrder[liveView.selectedRun]
                resultsSource = .live
                results.drill = .run(id)
                screen = .results
            }
        default:
            AppState.viewCommand(c, view: &liveView, runs: live?.runOrder.count ?? 0, logLines: live?.logs.count ?? 0)
        }
        return []
    }

    private mutating func replayCommand(_ c: Command) {
        guard var p = replay else { return }
        switch c {
        case .pauseResume: p.paused.toggle()
        case .faster: p.speedIndex = min(ReplayPlayer.speeds.count - 1, p.speedIndex + 1)
        case .slower: p.speedIndex = max(0, p.speedIndex - 1)
        case .instant: p.seek(to: p.events.count)
        case .stepEvent: p.step()
        case .seekBack: p.seek(fraction: p.fraction - 0.05)
        case .seekForward: p.seek(fraction: p.fraction + 0.05)
        case .select:
            if replayView.selectedRun < p.model.runOrder.count {
                results.drill = .run(p.model.runOrder[replayView.selectedRun])
                resultsSource = .replay
                screen = .results
            }
        default:
            AppState.viewCommand(c, view: &replayView, runs: p.model.runOrder.count, logLines: p.model.logs.count)
        }
        replayView.rangesTime = c == .seekBack || c == .seekForward || c == .instant ? -.infinity : replayView.rangesTime
        replay = p
    }

    // MARK: results

    /// Rows of the results table in the current sort order.
    public var sortedRows: [StrategyRow] {
        guard let m = resultsModel else { return [] }
        let rows = m.strategyRows(table: resultsTable)
        func key(_ r: StrategyRow) -> Double {
            switch results.sort {
            case .strategy: Double(r.index)
            case .mean: r.macroF1.mean
            case .std: r.macroF1.std
            case .min: r.macroF1.min
            case .max: r.macroF1.max
            case .failed: Double(r.failed) + Double(r.cancelled + r.interrupted) / 1000
            case .cost: r.relativeToEnsemble
            case .significance: r.significance?.wilcoxonP ?? .infinity
            }
        }
        let desc = results.descending
        return rows.sorted { a, b in
            let ka = key(a), kb = key(b)
            if ka.isNaN != kb.isNaN { return kb.isNaN }   // NaN rows last either way
            if ka == kb || (ka.isNaN && kb.isNaN) { return a.index < b.index }
            return desc ? ka > kb : ka < kb
        }
    }

    /// Results' `y`: the selected row's strategy as an experiment of its own (`ExperimentConfig.point`) in Setup.
    private mutating func copyToSetup(_ m: ExperimentModel) {
        let rows = sortedRows
        guard results.cursor < rows.count else { return }
        let label = rows[results.cursor].strategy
        guard let strategy = m.config.strategies.first(where: { $0.label == label }) else { return }
        do throws(FieldError) {
            setup.load(copied: try m.config.point(strategy), label: label)
            screen = .setup
        } catch {
            overlay = .message(title: "Cannot copy '\(label)' into Setup", text: error.message)
        }
    }

    private mutating func resultsCommand(_ c: Command) {
        guard let m = resultsModel else { return }
        switch results.drill {
        case .table:
            let n = sortedRows.count
            switch c {
            case .up: results.cursor = max(0, results.cursor - 1)
            case .down: results.cursor = min(max(0, n - 1), results.cursor + 1)
            case .top: results.cursor = 0
            case .bottom: results.cursor = max(0, n - 1)
            case .sortNext: results.sort = results.sort.next; results.descending = results.sort != .strategy && results.sort != .significance && results.sort != .failed && results.sort != .std && results.sort != .cost
            case .sortReverse: results.descending.toggle()
            case .sweepChart: results.heatMap.toggle()
            case .copyToSetup: copyToSetup(m)
            case .select:
                let rows = sortedRows
                if results.cursor < rows.count { results.drill = .strategy(rows[results.cursor].strategy); results.runCursor = 0 }
            default: break
            }
        case .strategy(let s):
            let runs = m.runs(of: s)
            switch c {
            case .up: results.runCursor = max(0, results.runCursor - 1)
            case .down: results.runCursor = min(max(0, runs.count - 1), results.runCursor + 1)
            case .top: results.runCursor = 0
            case .bottom: results.runCursor = max(0, runs.count - 1)
            case .select: if results.runCursor < runs.count { results.drill = .run(runs[results.runCursor].id) }
            default: break
            }
        case .run:
            break
        }
    }

    // MARK: sessions and compare

    private mutating func compareCommand(_ c: Command) {
        guard var cmp = compare else { return }
        let last = max(0, cmp.comparison.rows.count - 1)
        switch c {
        case .up: cmp.cursor = max(0, cmp.cursor - 1)
        case .down: cmp.cursor = min(last, cmp.cursor + 1)
        case .top: cmp.cursor = 0
        case .bottom: cmp.cursor = last
        default: break
        }
        compare = cmp
    }
}
