import ArgumentParser
import DeniCore
import DeniExperiments
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
            sessions: StoredSessions(folder: sessionsURL, dataDirectory: dataURL, model: model.map { URL(fileURLWithPath: $0) }),
            datasets: DatasetChoice.registered(dataDirectory: dataURL),
            initialConfig: ExperimentConfig(),
            modelPath: modelURL.path,
            dataDirectory: dataURL,
            presetsDirectory: sessionsURL.deletingLastPathComponent().appendingPathComponent("presets"),
            logFile: sessionsURL.appendingPathComponent("ui.log"),
            forceASCII: ascii,
            theme: themeKind)
        env.initialSession = try replay.map { try DeniExperiments.SessionCatalog.resolve($0, in: sessionsURL).path }
        let code = try runTerminalUI(env)
        if code != 0 { throw ExitCode(code) }
    }
}
