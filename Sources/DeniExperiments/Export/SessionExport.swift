import DeniCore
import DeniData
import Foundation

/// Writes a session's exports: wide CSV, Markdown results table, SVG plots.
public enum SessionExport {
    /// File names written into the SVG folder.
    public static let svgFiles = ["loss.svg", "eval_f1.svg", "results.svg", "per_class_f1.svg", "confusion.svg"]
    /// Written beside them for a sweep: macro-F1 against the varied settings (`SweepView.svg`).
    public static let sensitivityFile = "sensitivity.svg"
    /// And for a sweep over two settings or more: the heat map of the first two (`SweepView.heatMapSVG`).
    public static let sensitivityHeatMapFile = "sensitivity_heatmap.svg"

    /// The results table of a session, derived from its events (the recorded summary holds the same numbers, but
    /// a summary recorded before the small-sample statistics existed lacks them).
    public static func results(_ session: RecordedSession) -> ResultsTable { session.derivedResults() }

    /// The session's class names: recorded in its manifest, else the registered dataset's (sessions recorded
    /// before names were), else "class 0", "class 1", ….
    public static func classNames(_ session: RecordedSession) -> [String] { classNames(session.manifest.dataset) }

    public static func classNames(_ d: DatasetIdentity) -> [String] {
        if let names = d.classNames, names.count == d.classCount { return names }
        if let names = DatasetRegistry.info(d.key)?.classNames, names.count == d.classCount { return names }
        return (0..<d.classCount).map { "class \($0)" }
    }

    /// Writes the requested exports; returns the paths written.
    public static func write(_ session: RecordedSession, csv: URL?, runs: URL? = nil, markdown: URL?, svgFolder: URL?) throws(SessionError) -> [URL] {
        var written: [URL] = []
        let curves = SessionCurves(config: session.config, events: session.events)
        let table = results(session)
        let asked = [csv, runs, markdown].compactMap { $0?.standardizedFileURL.path }
        if let twice = asked.first(where: { p in asked.filter { $0 == p }.count > 1 }) {
            throw SessionError.refused(path: twice, reason: "asked for two exports at the same path; give each its own")
        }
        // Every target is checked before anything is written: none may be a file of a session.
        let svgs = svgFolder.map { folder in svgFiles.map { folder.appendingPathComponent($0) } } ?? []
        for url in [csv, runs, markdown].compactMap({ $0 }) + svgs {
            if let problem = SessionFormat.sessionFileProblem(url) { throw SessionError.refused(path: url.path, reason: problem) }
        }
        func put(_ text: String, _ url: URL) throws(SessionError) {
            do { try OutputFile.write(Data(text.utf8), to: url, what: "the export") }
            catch { throw SessionError.io(path: url.path, operation: "writing the export", detail: error.description) }
            written.append(url)
        }
        if let csv { try put(CSVExport.wide(curves), csv) }
        if let runs { try put(CSVExport.runs(config: session.config, events: session.events), runs) }
        if let markdown {
            let status = session.manifest.summary == nil ? "\n_Derived from the events (session \(session.status.rawValue))._\n" : ""
            try put("# \(session.manifest.name)\n\nDataset: \(session.manifest.dataset.key); \(session.config.runsDescription) runs per strategy.\n\n"
                    + ResultsText.markdown(table) + status, markdown)
        }
        if let svgFolder {
            do { try FileManager.default.createDirectory(at: svgFolder, withIntermediateDirectories: true) }
            catch { throw SessionError.io(path: svgFolder.path, operation: "creating the SVG folder", detail: FileProblem.describe(error)) }
            try put(CurvePlot.svg(curves, metric: .loss), svgFolder.appendingPathComponent(svgFiles[0]))
            try put(CurvePlot.svg(curves, metric: .evalMacroF1), svgFolder.appendingPathComponent(svgFiles[1]))
            try put(ResultsChart.svg(table: table, events: session.events), svgFolder.appendingPathComponent(svgFiles[2]))
            let strategies = table.rows.map(\.strategy), names = classNames(session)
            try put(ClassPlots.perClassF1(events: session.events, strategies: strategies, classNames: names), svgFolder.appendingPathComponent(svgFiles[3]))
            try put(ClassPlots.confusion(events: session.events, strategies: strategies, classNames: names), svgFolder.appendingPathComponent(svgFiles[4]))
            if let sweep = SweepView(config: session.config, table: table) {
                try put(sweep.svg(), svgFolder.appendingPathComponent(sensitivityFile))
                if let map = sweep.heatMapSVG() { try put(map, svgFolder.appendingPathComponent(sensitivityHeatMapFile)) }
            }
        }
        return written
    }
}
