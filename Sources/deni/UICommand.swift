import ArgumentParser
import DeniCore
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

    func run() throws {
        guard let themeKind = ThemeKind(rawValue: theme) else {
            throw ValidationError("unknown theme '\(theme)': use dark, light or mono")
        }
        let driver: any ExperimentDriver = demoSynthetic ? SyntheticDriver(delayPerStep: 0.01) : PlaceholderDriver()
        let env = UIEnvironment(
            driver: driver,
            sessions: PlaceholderSessionCatalog(),
            datasets: PaperDatasets.choices(dataRoot: ProjectPaths.data()),
            initialConfig: ExperimentConfig(),
            modelPath: ProjectPaths.model(model).path,
            presetsDirectory: ProjectPaths.sessions().deletingLastPathComponent().appendingPathComponent("presets"),
            logFile: ProjectPaths.sessions().appendingPathComponent("ui.log"),
            forceASCII: ascii,
            theme: themeKind)
        let code = try runTerminalUI(env)
        if code != 0 { throw ExitCode(code) }
    }
}

/// Stands in until the real runner is wired: refuses to train with a clear message.
final class PlaceholderDriver: ExperimentDriver {
    struct NotWired: Error, CustomStringConvertible {
        var description: String { "training engine not wired yet: this build of deni ui cannot train (try --demo-synthetic to see the screens)" }
    }
    func run(_ config: ExperimentConfig, sink: EventSink, control: RunControl) throws { throw NotWired() }
}

/// Stands in until the real sessions store is wired.
struct PlaceholderSessionCatalog: SessionCatalog {
    struct NotWired: Error, CustomStringConvertible { var description: String { "sessions store not wired yet" } }
    func list() throws -> [SessionListing] { throw NotWired() }
    func load(_ name: String) throws -> LoadedSession { throw NotWired() }
}

/// The paper's datasets with pooled sizes and classes (data/README.md) and whether their folder is present.
enum PaperDatasets {
    static func choices(dataRoot: URL) -> [DatasetChoice] {
        let table: [(String, String, Int, Int, Int)] = [
            ("trec", "TREC question type", 6, 5_952, 25), ("sst2", "SST-2 sentiment", 2, 70_042, 50),
            ("cola", "CoLA acceptability", 2, 9_594, 25), ("mrpc", "MRPC paraphrase", 2, 5_801, 50),
            ("snips", "SNIPS intent", 7, 14_484, 25), ("ag_news", "AG News topic", 4, 15_600, 50),
            ("dbpedia", "DBpedia ontology", 14, 14_000, 50), ("boolq", "BoolQ yes/no", 2, 3_270, 128),
        ]
        return table.map { key, title, classes, size, maxLength in
            var isDir: ObjCBool = false
            let present = FileManager.default.fileExists(atPath: dataRoot.appendingPathComponent(key).path, isDirectory: &isDir) && isDir.boolValue
            return DatasetChoice(key: key, title: title, classes: classes, size: size, present: present, maxLength: maxLength)
        }
    }
}
