import ArgumentParser
import DeniCore
import DeniExperiments
import Foundation

/// `deni export SESSION`: CSV curves, Markdown table, SVG plots.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a session: wide CSV of the curves, per-run CSV, Markdown results table, SVG plots (loss, eval macro-F1, results).")

    @Argument(help: "Session folder, or a (unique part of a) session name under the sessions folder.")
    var session: String

    @Option(help: "Write the curves as wide CSV (one row per step, one column per metric and run).")
    var csv: String?

    @Option(help: "Write one row per run (strategy, run, status, macro-F1, accuracy, cost) as CSV, metrics in full precision.")
    var runs: String?

    @Option(help: "Write the results table as Markdown.")
    var md: String?

    @Option(help: "Write loss.svg, eval_f1.svg and results.svg into this folder.")
    var svg: String?

    func validate() throws {
        if csv == nil && runs == nil && md == nil && svg == nil {
            throw ValidationError("nothing to export: give --csv FILE, --runs FILE, --md FILE and/or --svg DIR")
        }
    }

    func run() throws {
        let s = try SessionReader.read(SessionCatalog.resolve(session, in: ProjectPaths.sessions()))
        let written = try SessionExport.write(s, csv: csv.map { URL(fileURLWithPath: $0) }, runs: runs.map { URL(fileURLWithPath: $0) }, markdown: md.map { URL(fileURLWithPath: $0) },
                                              svgFolder: svg.map { URL(fileURLWithPath: $0) })
        for url in written { print("wrote \(url.path)") }
        for message in s.diagnostics.messages { print("warning: \(message)") }
    }
}
