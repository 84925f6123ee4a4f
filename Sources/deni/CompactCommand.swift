import ArgumentParser
import DeniCore
import DeniExperiments
import Foundation

/// `deni compact SESSION…`: thins the per-step events of recorded sessions (see `SessionCompaction`).
struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Thin the per-step loss events of recorded sessions (results, evaluations and phases stay intact).",
        discussion: """
            A session logs one step event per optimiser step; for long experiments these are almost all of its \
            size. Compacting keeps every step on the stride plus each epoch's last step, and every other event \
            byte for byte, so `show`, `report` and `export` give the same numbers and replay draws the same \
            evaluation curves (the loss curve keeps one point in N). Refuses a session a live process is writing.
            """)

    @Argument(help: "Session folders, or (unique parts of) session names under the sessions folder.")
    var session: [String]

    @Option(help: "Keep the step events whose step is a multiple of this (plus each epoch's last step).")
    var stepsEvery = 10

    @Option(help: "Sessions folder (default: sessions/ in the project).")
    var sessions: String?

    @Flag(help: "Print JSON: one report per session.")
    var json = false

    func validate() throws {
        if session.isEmpty { throw ValidationError("name at least one session") }
        if stepsEvery < 1 { throw ValidationError("--steps-every must be at least 1 (got \(stepsEvery))") }
    }

    func run() throws {
        let parent = ProjectPaths.sessions(sessions)
        var reports: [CompactionReport] = []
        var failures = 0
        for name in session {
            do {
                let report = try SessionCompaction.compact(SessionCatalog.resolve(name, in: parent), stepsEvery: stepsEvery)
                reports.append(report)
                if !json {
                    let mb = { (b: Int) in String(format: "%.2f MB", Double(b) / 1e6) }
                    print("\(report.session): \(report.linesBefore) → \(report.linesAfter) lines, \(mb(report.bytesBefore)) → \(mb(report.bytesAfter)) (\(report.stepsDropped) step events dropped, every \(report.stepsEvery)th kept)")
                }
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("error: \(name): \(error)\n".utf8))
            }
        }
        if json { print(try SessionFormat.jsonText(reports)) }
        if failures > 0 { throw ExitCode(1) }
    }
}
