import ArgumentParser
import DeniCore
import DeniExperiments
import Foundation

/// `deni show SESSION`: a session's identity and results table.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a session's results table, derived from its events (a recorded summary that counts runs the events lack is reported).")

    @Argument(help: "Session folder, or a (unique part of a) session name under the sessions folder.")
    var session: String

    @Flag(help: "Print JSON (manifest, results, read diagnostics).")
    var json = false

    struct Report: Encodable {
        var manifest: SessionManifest
        var status: SessionStatus
        var resultsSource: String
        var results: ResultsTable
        var diagnostics: SessionReadDiagnostics
    }

    func run() throws {
        let s = try SessionReader.read(SessionCatalog.resolve(session, in: ProjectPaths.sessions()))
        // The table always comes from the events (the summary holds means only); `resultsSource` says so.
        let source = "events"
        let results = SessionExport.results(s)
        if json {
            print(try SessionFormat.jsonText(Report(manifest: s.manifest, status: s.status, resultsSource: source, results: results,
                                                    diagnostics: s.diagnostics)))
            return
        }
        let m = s.manifest
        print("Session  \(m.name.escapingControlCharacters)  (\(s.status.rawValue))")
        print("Dataset  \(m.dataset.key.escapingControlCharacters) (\(m.dataset.classCount) classes, \(m.dataset.filesHash))")
        print("Model    \(m.model.folder.escapingControlCharacters)/\(m.model.weightsFile.escapingControlCharacters) (\(m.model.weightsSHA256.map { "sha256 \($0)" } ?? "\(m.model.weightsBytes) bytes"))")
        print("Runs     \(m.config.runsDescription) per strategy, \(m.config.tuning.kind.rawValue), \(m.config.trainSamples) samples, \(m.config.epochs) epochs")
        print("Machine  \(m.machine.hostname), \(m.machine.cores) cores, deni \(m.machine.toolVersion) (\(m.machine.buildConfiguration)), GEMM \(m.machine.gemm ?? "openblas"), precision \(m.config.precision.rawValue)" + (m.machine.cpu.map { ", \($0)" } ?? ""))
        if let failure = m.failure { print("Failure  \(failure.escapingControlCharacters)") }
        // A label that hides settings (a variant recorded as its kind's plain name by a pre-change config) says what it is.
        for strategy in m.config.strategies where strategy.label != strategy.settingsLabel {
            print("Label    '\(strategy.label.escapingControlCharacters)' is \(strategy.settingsLabel.escapingControlCharacters)")
        }
        print("")
        print(ResultsText.plain(results), terminator: "")
        if let sweep = SweepView(config: s.config, table: results) {
            let t = sweep.cells
            print("\nSweep points (ΔF1: paired t interval up to 12 pairs, bootstrap above; baselines: \(sweep.baselines.map(\.strategy).joined(separator: ", ")))")
            print(ResultsText.aligned(t.headers, t.rows), terminator: "")
        }
        if s.manifest.summary == nil { print("(derived from the events: the session has no recorded summary)") }
        for message in s.diagnostics.messages { print("warning: \(message.escapingControlCharacters)") }
    }
}
