import ArgumentParser
import DeniCore
import DeniExperiments
import Foundation

/// `deni export SESSION`: CSV curves, Markdown table, SVG plots.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a session: wide CSV of the curves, per-run CSV, Markdown results table, SVG plots (loss, eval macro-F1, results, per-class F1, confusion matrices), with PNG copies.",
        discussion: """
        --svg DIR writes loss.svg (DENI's interpolation rounds and delayed ensemble shaded), eval_f1.svg, results.svg, \
        per_class_f1.svg and confusion.svg (class names from the session), and a PNG copy of each made by rsvg-convert \
        (Debian's librsvg2-bin, installed by scripts/setup.sh) when it is on PATH; without it, one line says so and \
        the SVGs are still written.
        """)

    @Argument(help: "Session folder, or a (unique part of a) session name under the sessions folder.")
    var session: String

    @Option(help: "Write the curves as wide CSV (one row per step, one column per metric and run).")
    var csv: String?

    @Option(help: "Write one row per run (strategy, run, status, macro-F1, accuracy, cost) as CSV, metrics in full precision.")
    var runs: String?

    @Option(help: "Write the results table as Markdown.")
    var md: String?

    @Option(help: "Write loss.svg, eval_f1.svg, results.svg, per_class_f1.svg and confusion.svg (and PNG copies) into this folder.")
    var svg: String?

    @Flag(name: .customLong("no-png"), help: "Write no PNG copies of the SVGs.")
    var noPNG = false

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
        if svg != nil && !noPNG { try Self.writePNGs(beside: written.filter { $0.pathExtension == "svg" }) }
        for message in s.diagnostics.messages { print("warning: \(message)") }
    }

    /// PNG copies of `svgs` (`PNGExport`), each printed as written; one line on standard error when rsvg-convert is missing.
    static func writePNGs(beside svgs: [URL]) throws {
        guard !svgs.isEmpty else { return }
        if let pngs = try PNGExport.write(beside: svgs) {
            for url in pngs { print("wrote \(url.path)") }
        } else {
            FileHandle.standardError.write(Data((PNGExport.missing + "\n").utf8))
        }
    }
}
