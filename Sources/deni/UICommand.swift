import ArgumentParser
import DeniCore
import DeniData
import DeniExperiments
import DeniTraining
import DeniUI
import Foundation

/// `deni ui`: the terminal front end.
struct UICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui",
        abstract: "Open the terminal UI: set up, watch, compare and replay experiments."
    )

    @Option(help: "Model folder (default: the one installed by setup).")
    var model: String?

    @Option(help: "Colour theme: dark, light or mono (NO_COLOR forces mono).")
    var theme: String = "dark"

    @Flag(help: "Draw with ASCII characters only.")
    var ascii = false

    @Flag(help: "Use a synthetic event generator instead of training (UI demonstration; trains nothing).")
    var demoSynthetic = false

    @Option(help: "Data folder (default: the one setup filled).")
    var data: String?

    @Option(help: "Sessions folder (default: sessions/ in the project).")
    var sessions: String?

    @Option(help: "Open this session's replay at start (a folder, or a unique part of a session name).")
    var replay: String?

    func run() throws {
        guard let themeKind = ThemeKind(rawValue: theme) else {
            throw ValidationError("unknown theme '\(theme)': use dark, light or mono")
        }
        let sessionsURL = ProjectPaths.sessions(sessions)
        let modelURL = ProjectPaths.model(model), dataURL = ProjectPaths.data(data)
        let driver: any ExperimentDriver = demoSynthetic
            ? SyntheticDriver(delayPerStep: 0.01)
            : RecordingDriver(runner: ExperimentRunner(dataDirectory: dataURL, modelDirectory: modelURL), sessions: sessionsURL)
        var env = UIEnvironment(
            driver: driver,
            sessions: StoredSessions(folder: sessionsURL),
            datasets: DatasetChoices.make(dataDirectory: dataURL),
            initialConfig: ExperimentConfig(),
            modelPath: modelURL.path,
            presetsDirectory: sessionsURL.deletingLastPathComponent().appendingPathComponent("presets"),
            logFile: sessionsURL.appendingPathComponent("ui.log"),
            forceASCII: ascii,
            theme: themeKind)
        env.initialSession = try replay.map { try DeniExperiments.SessionCatalog.resolve($0, in: sessionsURL).path }
        let code = try runTerminalUI(env)
        if code != 0 { throw ExitCode(code) }
    }
}

/// The UI's driver: runs the real engine and records every experiment as a session (resumable with
/// `deni resume` when the UI quits or is cancelled mid-way).
final class RecordingDriver: ExperimentDriver, @unchecked Sendable {
    let runner: ExperimentRunner
    let sessions: URL
    init(runner: ExperimentRunner, sessions: URL) { self.runner = runner; self.sessions = sessions }

    func run(_ config: ExperimentConfig, sink: EventSink, control: RunControl) throws {
        let model = runner.modelDirectory, data = runner.dataDirectory
        guard FileManager.default.fileExists(atPath: model.appendingPathComponent("model.safetensors").path) else {
            throw ValidationError("no model at \(model.path): \(ProjectPaths.modelHowTo)")
        }
        let writer = try NewSession.create(config, sessions: sessions, model: model, data: data)
        sink.publish(.log(level: "info", message: "recording session \(writer.folder.lastPathComponent)", time: 0))
        if case .interrupted = try SessionRun.record(config, writer: writer, runner: runner, sink: sink, control: control) {
            sink.publish(.log(level: "info", message: "session interrupted: deni resume \(writer.folder.lastPathComponent)", time: 0))
        }
    }
}

/// Saved sessions for the UI's browser and replay.
struct StoredSessions: DeniUI.SessionStore {
    let folder: URL
    func list() throws -> [SessionRow] {
        DeniExperiments.SessionCatalog.list(in: folder).map { s in
            let date = s.created.map { ISO8601DateFormatter().string(from: $0) } ?? "?"
            let best = s.best.map { String(format: "%@ %.2f ± %.2f", $0.strategy, $0.mean, $0.std) }
            return SessionRow(name: s.name, date: date, dataset: s.dataset ?? "?", strategies: s.strategies,
                                         runs: s.runsDone, status: s.status, best: best)
        }
    }
    func load(_ name: String) throws -> LoadedSession {
        let url = try DeniExperiments.SessionCatalog.resolve(name, in: folder)
        let recorded = try SessionReader.read(url)
        return LoadedSession(config: recorded.config, events: recorded.events,
                             table: recorded.manifest.summary ?? recorded.derivedResults())
    }
}

/// The registered datasets as the setup screen lists them.
enum DatasetChoices {
    static func make(dataDirectory: URL) -> [DatasetChoice] {
        DatasetRegistry.all.map { info in
            DatasetChoice(key: info.key, title: info.title, classes: info.classNames.count,
                          size: info.files.reduce(0) { $0 + $1.documentedRows }, present: info.isPresent(in: dataDirectory),
                          maxLength: info.maxLength)
        }
    }
}
