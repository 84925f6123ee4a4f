import ArgumentParser
import DeniCore
import DeniExperiments
import Foundation

/// `deni sessions`: the recorded sessions, oldest first.
struct SessionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List recorded sessions: date, dataset, strategies, runs done/planned, status, best mean ± std.")

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: "Sessions folder (default: DENI_SESSIONS or <project>/sessions).")
    var sessions: String?
    /// The earlier name of --sessions, still read.
    @Option(name: .customLong("dir"), help: .hidden) var dir: String?

    func run() throws {
        let folder = ProjectPaths.sessions(sessions ?? dir)
        let listings = SessionCatalog.list(in: folder)
        if json { print(try SessionFormat.jsonText(listings)); return }
        if listings.isEmpty { print("No sessions in \(folder.path)."); return }
        let dateFormat = DateFormatter()
        dateFormat.dateFormat = "yyyy-MM-dd HH:mm"
        let rows = listings.map { l in
            [l.name, l.created.map(dateFormat.string(from:)) ?? "—", l.dataset ?? "—", SessionCatalog.strategySummary(l.strategies), l.varies ?? "—",
             "\(l.runsDone)/\(l.runsPlanned)", l.status,
             l.best.map { "\($0.strategy) \(ResultsText.fixed($0.mean, 2)) ± \(ResultsText.fixed($0.std, 2))" } ?? "—"]
        }
        print(ResultsText.aligned(["Session", "Date", "Dataset", "Strategies", "Varies", "Runs", "Status", "Best macro-F1"], rows), terminator: "")
        for l in listings where !l.problems.isEmpty {
            for p in l.problems { print("  \(l.name.escapingControlCharacters): \(p.escapingControlCharacters)") }
        }
    }
}
