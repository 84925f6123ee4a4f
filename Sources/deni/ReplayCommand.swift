import ArgumentParser
import DeniCore
import DeniExperiments
import Foundation

/// `deni replay SESSION --headless`: re-derives the results from the recorded events.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a session's events; --headless re-derives the results table and checks it against the recorded summary.")

    @Argument(help: "Session folder, or a (unique part of a) session name under the sessions folder.")
    var session: String

    @Flag(help: "Derive the table without the terminal UI.")
    var headless = false

    @Flag(help: "Print JSON (derived table, whether it matches the recorded summary).")
    var json = false

    struct Report: Encodable {
        var session: String
        var events: Int
        var results: ResultsTable
        /// nil when the session has no recorded summary.
        var matchesRecordedSummary: Bool?
        var diagnostics: SessionReadDiagnostics
    }

    func run() throws {
        guard headless else {
            var ui = try UICommand.parse([])
            ui.replay = session
            try ui.run()
            return
        }
        let s = try SessionReader.read(SessionCatalog.resolve(session, in: ProjectPaths.sessions()))
        let derived = s.derivedResults()
        let matches = s.manifest.summary.map { derived.encodesIdentically(to: $0) }
        if json {
            print(try SessionFormat.jsonText(Report(session: s.manifest.name, events: s.events.count, results: derived,
                                                    matchesRecordedSummary: matches, diagnostics: s.diagnostics)))
        } else {
            print("Replayed \(s.events.count) events of \(s.manifest.name) (\(s.status.rawValue)).\n")
            print(ResultsText.plain(derived), terminator: "")
            switch matches {
            case true?: print("\nThe derived table equals the recorded summary.")
            case false?: print("\nThe derived table DIFFERS from the recorded summary.")
            case nil: print("\nNo recorded summary to compare with (status \(s.status.rawValue)).")
            }
            for message in s.diagnostics.messages { print("warning: \(message)") }
        }
        if matches == false { throw ExitCode(1) }
    }
}
