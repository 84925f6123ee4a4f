import ArgumentParser
import DeniCore
import DeniExperiments
import Foundation

/// `deni sessions`: the recorded sessions, oldest first.
struct SessionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List recorded sessions: folder, date, dataset, strategies, runs done/planned, status, best mean ± std, tags.",
        discussion: "The Session column is the session's folder under the sessions folder: the name every command accepts exactly. Tags and notes are set with `deni tag`.")

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: "Only sessions with this tag (repeatable: all must be present).")
    var tag: [String] = []

    @Option(help: "Sessions folder (default: DENI_SESSIONS or <project>/sessions).")
    var sessions: String?
    /// The earlier name of --sessions, still read.
    @Option(name: .customLong("dir"), help: .hidden) var dir: String?

    func run() throws {
        let folder = ProjectPaths.sessions(sessions ?? dir)
        let wanted = SessionMeta(tags: tag).tags
        let listings = SessionCatalog.list(in: folder).filter { l in wanted.allSatisfy(l.tags.contains) }
        if json { print(try SessionFormat.jsonText(listings)); return }
        if listings.isEmpty { print(wanted.isEmpty ? "No sessions in \(folder.path)." : "No sessions tagged \(wanted.joined(separator: ", ")) in \(folder.path)."); return }
        let dateFormat = DateFormatter()
        dateFormat.dateFormat = "yyyy-MM-dd HH:mm"
        let rows = listings.map { l in
            [l.folder, l.created.map(dateFormat.string(from:)) ?? "—", l.dataset ?? "—", SessionCatalog.strategySummary(l.strategies), l.varies ?? "—",
             "\(l.runsDone)/\(l.runsPlanned)", l.status,
             l.best.map { "\($0.strategy) \(ResultsText.fixed($0.mean, 2)) ± \(ResultsText.fixed($0.std, 2))" } ?? "—",
             l.tags.isEmpty ? "—" : l.tags.joined(separator: ",")].map(\.escapingControlCharacters)
        }
        print(ResultsText.aligned(["Session", "Date", "Dataset", "Strategies", "Varies", "Runs", "Status", "Best macro-F1", "Tags"], rows), terminator: "")
        for l in listings {
            if let note = l.note { print("  \(l.folder.escapingControlCharacters): note: \(note.escapingControlCharacters)") }
            for p in l.problems { print("  \(l.folder.escapingControlCharacters): \(p.escapingControlCharacters)") }
        }
    }
}
