import ArgumentParser
import DeniCore
import DeniExperiments
import Foundation

/// `deni compare S1 S2 [S3 …]`: the same strategies across sessions, tested against the first session.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare sessions side by side; each strategy in each session is tested against S1, printed as 'paired Δ (n pairs)' where runs pair by seeds, else 'Welch Δ'.",
        discussion: """
        paired Δ: the mean of the differences over the runs with the same index and recorded seeds (bootstrap \
        interval from 5 pairs on, Wilcoxon p). Welch Δ: the difference of the means, the runs taken as independent \
        samples (Welch's t p), when fewer than 2 runs pair. A session on other data or model weights than S1 is \
        warned about on standard error. The UI's Compare screen (Sessions: space marks, c compares) shows the same.
        """)

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
