import DeniCore
import Foundation
import DeniExperiments
import DeniData

/// The UI loop: reads input, drains training events, reduces, runs effects and redraws on change at most
/// `maxFPS` times a second (a key press redraws at once). Runs on one thread, which alone touches the backend.
public final class TerminalApp {
    public private(set) var state: AppState
    let env: UIEnvironment
    let backend: TerminalBackend
    private(set) var job: TrainingJob?
    private let presets: PresetStore?
    private var drawnRevision = -1
    private var lastDraw = -Double.infinity
    private var forceFull = true
    private let clock: () -> Double
    public static let maxFPS = 10.0
    /// After quit is confirmed, how long to wait for the driver to return before leaving anyway.
    public static let stopDeadline = 15.0
    private var exitRequestedAt: Double?
    /// The last reading of this process's CPU time and memory, and when it was taken (monotonic seconds).
    private var usageReading: (usage: ProcessUsage, at: Double)?

    public init(env: UIEnvironment, backend: TerminalBackend, clock: @escaping () -> Double = TerminalApp.monotonicSeconds) {
        self.env = env; self.backend = backend; self.clock = clock
        presets = env.presetsDirectory.map(PresetStore.init)
        var setup = SetupState(config: env.initialConfig, datasets: env.datasets, defaultModelPath: env.modelPath,
                               presets: [Preset.paper, Preset.quickLook])
        if let store = presets {
            let (loaded, problems) = store.load()
            setup.presets += loaded
            if let p = problems.first { setup.message = "could not read a preset: \(p)" }
        }
        let noColor = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        state = AppState(width: backend.width, height: backend.height, setup: setup,
                         theme: noColor ? .mono : env.theme, ascii: env.forceASCII)
        state.now = clock()
    }

    public static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Runs until the state asks to exit; returns the exit code.
    public func run() -> Int32 {
        draw(force: true)
        if let name = env.initialSession {
            state.sessions.loading = name
            perform(.loadSession(name))
        }
        while true {
            if let code = step() { return code }
        }
    }

    /// One loop iteration; returns the exit code when the app should leave.
    func step() -> Int32? {
        var keyed = false
        let sig = Signals.take()
        if sig != 0 { dispatch(.signal(sig)) }
        // Wait for input briefly; then take everything already queued (a paste arrives as a burst).
        var input = backend.readInput(timeoutMs: job == nil && state.replay == nil ? 100 : 50)
        var burst = 0
        while let i = input, burst < 512 {
            switch i {
            case .key(let k): dispatch(.key(k)); keyed = true
            case let .resize(w, h): dispatch(.resize(width: w, height: h)); forceFull = true
            }
            burst += 1
            if state.exitCode != nil { break }
            input = backend.readInput(timeoutMs: 0)
        }
        if let j = job {
            let events = j.buffer.drain()
            if !events.isEmpty { dispatch(.events(events)) }
            if let outcome = j.outcome {
                let tail = j.buffer.drain()
                if !tail.isEmpty { dispatch(.events(tail)) }
                job = nil
                dispatch(.trainingEnded(failure: outcome))
            }
        }
        if job != nil { measureUsage() } else { usageReading = nil }
        dispatch(.tick(clock()))
        if state.exitAfterTraining, job != nil {
            let now = clock()
            if exitRequestedAt == nil { exitRequestedAt = now }
            if now - exitRequestedAt! > TerminalApp.stopDeadline { state.exitCode = state.deferredExitCode }
        }
        if let code = state.exitCode { return code }
        let now = clock()
        if state.revision != drawnRevision && (keyed || forceFull || now - lastDraw >= 1 / TerminalApp.maxFPS) {
            draw(force: forceFull)
        }
        return nil
    }

    /// About once a second while training: the engine's CPU use since the last reading, and its memory.
    private func measureUsage() {
        let now = clock()
        if let last = usageReading, now - last.at < 1 { return }
        let usage = ProcessUsage.current()
        if let last = usageReading {
            dispatch(.usage(cpuPercent: usage.cpuPercent(since: last.usage, seconds: now - last.at), residentBytes: usage.residentBytes))
        }
        usageReading = (usage, now)
    }

    func dispatch(_ action: Action) {
        let effects = state.reduce(action)
        for e in effects { perform(e) }
    }

    private func draw(force: Bool) {
        backend.present(Renderer.render(state), theme: state.theme, full: force)
        drawnRevision = state.revision
        lastDraw = clock()
        forceFull = false
    }

    private func perform(_ effect: Effect) {
        switch effect {
        case .estimateStart(let config):
            let estimate = ExperimentEstimate.make(config, samples: env.sessions.speedSamples(),
                                                   machine: .current(toolVersion: SessionRecording.toolVersion, precision: config.precision))
            dispatch(.startEstimated(config, estimate))
        case .previewData(let config):
            draw(force: false)
            do throws(DataError) {
                let data = try DatasetRegistry.load(config.dataset, dataDirectory: env.dataDirectory, options: config.data)
                dispatch(.dataPreviewed(dataset: config.dataset, .loaded(data.preview())))
            } catch {
                dispatch(.dataPreviewed(dataset: config.dataset, .failed(error.description)))
            }
        case .startTraining(let config):
            job = TrainingJob(driver: env.driver, config: config)
        case .pause: job?.control.pause()
        case .resume: job?.control.resume()
        case .cancelRun: job?.control.cancelCurrentRun()
        case .cancelAll: job?.control.cancelAll()
        case .redraw: forceFull = true
        case .listSessions:
            do { dispatch(.sessionsListed(try env.sessions.list())) } catch { dispatch(.sessionsFailed("\(error)")) }
        case .loadSession(let name):
            draw(force: false)   // show "loading…" before a slow read
            do { dispatch(.sessionLoaded(name: name, try env.sessions.load(name))) } catch {
                dispatch(.sessionFailed(name: name, message: "\(error)"))
            }
        case .loadCompare(let names):
            draw(force: false)
            do { dispatch(.compareLoaded(names: names, sessions: try names.map { try env.sessions.load($0) })) } catch {
                dispatch(.sessionFailed(name: names.joined(separator: " / "), message: "\(error)"))
            }
        case let .renameSession(name, newName):
            do { dispatch(.sessionChanged(notice: "renamed \(name) to \(try env.sessions.rename(name, to: newName))")) } catch {
                dispatch(.sessionOperationFailed(title: "Cannot rename '\(name)'", message: "\(error)"))
            }
        case .deleteSession(let name):
            do { dispatch(.sessionChanged(notice: try env.sessions.delete(name))) } catch {
                dispatch(.sessionOperationFailed(title: "Cannot delete '\(name)'", message: "\(error)"))
            }
        case let .saveSessionMeta(name, tags, note):
            do { try env.sessions.saveMeta(name, tags: tags, note: note); dispatch(.sessionChanged(notice: "saved the tags and note of \(name)")) } catch {
                dispatch(.sessionOperationFailed(title: "Cannot save the tags of '\(name)'", message: "\(error)"))
            }
        case .loadSessionConfig(let name):
            draw(force: false)
            do { dispatch(.sessionConfigLoaded(name: name, try env.sessions.load(name).config)) } catch {
                dispatch(.sessionOperationFailed(title: "Cannot open session '\(name)'", message: "\(error)"))
            }
        case .resumeSession(let name):
            draw(force: false)
            guard job == nil else { return }
            do {
                switch try env.sessions.resume(name) {
                case .finished(let message):
                    dispatch(.sessionOperationFailed(title: "Nothing to resume", message: message))
                case let .resume(driver, config, events, message):
                    dispatch(.sessionResumed(config: config, events: events, message: message))
                    job = TrainingJob(driver: driver, config: config)
                }
            } catch {
                dispatch(.sessionOperationFailed(title: "Cannot resume '\(name)'", message: "\(error)"))
            }
        case .savePreset(let p):
            guard let store = presets else { dispatch(.presetFailed("no presets folder configured")); return }
            do { try store.save(p); dispatch(.presetSaved(p)) } catch { dispatch(.presetFailed(FileProblem.describe(error))) }
        }
    }
}

/// Why the UI could not start.
public struct UIStartError: Error, CustomStringConvertible {
    public let description: String
}

/// Runs the terminal UI until the user quits; returns the process exit code. Restores the terminal on every
/// path: normal quit, thrown error, SIGINT/SIGTERM (flag read by the loop) and fatal signals (handler).
public func runTerminalUI(_ env: UIEnvironment) throws -> Int32 {
    guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
        throw UIStartError(description: "deni ui needs an interactive terminal (stdin and stdout must be a TTY); use the headless commands in scripts")
    }
    // Anything written to stderr while curses owns the screen would corrupt it: send it to the log file.
    var savedStderr: Int32 = -1
    if let log = env.logFile {
        try? FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(log.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if fd >= 0 { savedStderr = dup(STDERR_FILENO); dup2(fd, STDERR_FILENO); close(fd) }
    }
    defer {
        if savedStderr >= 0 { dup2(savedStderr, STDERR_FILENO); close(savedStderr) }
    }
    let backend = try NcursesBackend()
    Signals.install()
    defer {
        backend.shutdown()
        Signals.restoreDefaults()
    }
    var e = env
    if !backend.utf8 { e.forceASCII = true }
    let app = TerminalApp(env: e, backend: backend)
    return app.run()
}
