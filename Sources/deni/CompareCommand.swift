import ArgumentParser
import DeniCore
import DeniExperiments
import Foundation

/// `deni compare S1 S2 …`: the same strategies across sessions, tested against the first session.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare sessions side by side; each strategy is tested against the first session (paired if the seeds match, else Welch's t).")

    @Argument(help: "Two or more sessions (folders or names under the sessions folder).")
    var sessions: [String]

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        if sessions.count < 2 { throw ValidationError("compare needs at least two sessions (got \(sessions.count))") }
    }

    func run() throws {
        let folder = ProjectPaths.sessions()
        var recorded: [RecordedSession] = []
        for name in sessions { recorded.append(try SessionReader.read(SessionCatalog.resolve(name, in: folder))) }
        let comparison = SessionComparison(recorded)
        for w in comparison.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        if json { print(try SessionFormat.jsonText(comparison)); return }
        for (i, name) in comparison.sessions.enumerated() { print("S\(i + 1) = \(name)") }
        print("")
        var headers = ["Strategy"]
        for i in comparison.sessions.indices { headers.append("S\(i + 1) macro-F1 (n)") }
        for i in comparison.sessions.indices.dropFirst() { headers.append("S\(i + 1) − S1"); headers.append("S\(i + 1) test") }
        let rows = comparison.rows.map { row -> [String] in
            var cells = [row.strategy]
            for r in row.results { cells.append(r.map { "\(ResultsText.meanStd($0.macroF1)) (\($0.runs))" } ?? "—") }
            for t in row.tests {
                guard let t else { cells.append("—"); cells.append("—"); continue }
                cells.append(ResultsText.crossSession(t))
                cells.append(ResultsText.crossSessionTest(t))
            }
            return cells
        }
        print(ResultsText.aligned(headers, rows), terminator: "")
        print("\n" + ResultsText.crossSessionNote)
    }
}
