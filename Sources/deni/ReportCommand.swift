import ArgumentParser
import DeniCore
import DeniExperiments
import Foundation

/// `deni report`: the study report (docs/results.md) from recorded sessions.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Study report: sessions merged into cells (dataset × tuning × protocol), results, paired comparisons, plots and the paper's findings.",
        discussion: """
        Sessions with the same dataset, tuning and protocol form one cell, whatever strategies each ran; runs with \
        the same index used the same seeds, so strategies are compared pair by pair (DENI against Ensemble too, \
        when they were run in separate sessions). Without arguments: every session under the sessions folder's \
        study/ (scripts/study.sh records there). A folder that holds sessions stands for all of them.
        """)

    @Argument(help: "Sessions (folders, names under the sessions folder, or folders of sessions).")
    var sessions: [String] = []

    @Option(help: "Write the Markdown report to this file (default: standard output).")
    var out: String?

    @Option(help: "Write each cell's pictures (strip plot, loss with DENI's phases shaded, per-class F1, confusion matrices; SVG, with PNG copies when rsvg-convert is on PATH) into this folder; the report links the SVGs.")
    var svg: String?

    @Flag(name: .customLong("no-png"), help: "Write no PNG copies of the SVGs.")
    var noPNG = false

    @Option(help: "Markdown file placed after the report's title (what was run, what was scaled down and why).")
    var notes: String?

    @Option(help: "The report's heading.")
    var title = StudyReport.defaultTitle

    @Flag(help: "Print the cells' results, comparisons and findings as JSON.")
    var json = false

    func validate() throws {
        if title.trimmingCharacters(in: .whitespaces).isEmpty || title.contains("\n") {
            throw ValidationError("--title: give one non-empty line (got \(title.debugDescription))")
        }
    }

    func run() throws {
        let root = ProjectPaths.sessions()
        var folders: [URL] = []
        for argument in sessions.isEmpty ? [root.appendingPathComponent("study").path] : sessions {
            let url = URL(fileURLWithPath: argument)
            let isSession = FileManager.default.fileExists(atPath: url.appendingPathComponent(SessionFormat.manifestFile).path)
            var isFolder: ObjCBool = false
            if !isSession, FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue {
                let inside = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
                    .map { url.appendingPathComponent($0) }
                    .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent(SessionFormat.manifestFile).path) }
                if inside.isEmpty { throw ValidationError("\(url.path): neither a session nor a folder of sessions") }
                folders += inside
            } else {
                folders.append(try SessionCatalog.resolve(argument, in: root))
            }
        }
        var recorded: [RecordedSession] = []
        for folder in folders {
            let s = try SessionReader.read(folder)
            for message in s.diagnostics.messages { FileHandle.standardError.write(Data("warning: \(folder.lastPathComponent): \(message)\n".utf8)) }
            recorded.append(s)
        }
        let cells = StudyCell.cells(recorded)
        if json {
            struct CellJSON: Encodable { var title: String; var sessions: [String]; var results: ResultsTable; var comparisons: [StudyComparison]; var duplicates: [DuplicateRun] }
            struct ReportJSON: Encodable { var cells: [CellJSON]; var findings: [Finding] }
            let report = ReportJSON(cells: cells.map { CellJSON(title: $0.title, sessions: $0.sessions.map(\.manifest.name), results: $0.table,
                                                                comparisons: $0.comparisons, duplicates: $0.duplicates) },
                                    findings: StudyFindings.judge(cells))
            print(try SessionFormat.jsonText(report))
            return
        }
        let notesText: String?
        if let notes {
            do { notesText = try String(contentsOfFile: notes, encoding: .utf8) }
            catch { throw ValidationError("--notes \(notes): cannot read it (\(FileProblem.describe(error)))") }
        } else { notesText = nil }
        var svgLink: String? = nil
        if let svg {
            let folder = URL(fileURLWithPath: svg)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var svgs: [URL] = []
            for cell in cells {
                for picture in StudyReport.pictures(cell) {
                    let url = folder.appendingPathComponent(picture.name)
                    try Data(picture.svg.utf8).write(to: url, options: .atomic)
                    if out != nil { print("wrote \(url.path)") }
                    svgs.append(url)
                }
            }
            if !noPNG {
                if out != nil { try ExportCommand.writePNGs(beside: svgs) }
                else if try PNGExport.write(beside: svgs) == nil { FileHandle.standardError.write(Data((PNGExport.missing + "\n").utf8)) }
            }
            svgLink = out.map { Self.relativePath(from: URL(fileURLWithPath: $0).deletingLastPathComponent(), to: folder) } ?? folder.path
        }
        let arguments = CommandLine.arguments.dropFirst(2).map { $0.contains(" ") ? "'\($0)'" : $0 }
        let command = (["deni", "report"] + arguments).joined(separator: " ")
        let text = StudyReport.markdown(cells, title: title, notes: notesText, svgFolder: svgLink, command: command)
        if let out {
            if let problem = SessionFormat.sessionFileProblem(URL(fileURLWithPath: out)) { throw ValidationError("--out \(out): \(problem)") }
            do { try OutputFile.write(Data(text.utf8), to: URL(fileURLWithPath: out), what: "the report") } catch { throw ValidationError(error.description) }
            print("wrote \(out) (\(cells.count) cells from \(recorded.count) sessions)")
        } else {
            print(text, terminator: "")
        }
    }

    /// `to` relative to the folder `from` (both made absolute and standardised).
    static func relativePath(from: URL, to: URL) -> String {
        let a = from.standardizedFileURL.pathComponents, b = to.standardizedFileURL.pathComponents
        var common = 0
        while common < min(a.count, b.count) && a[common] == b[common] { common += 1 }
        let parts = Array(repeating: "..", count: a.count - common) + b[common...]
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }
}
