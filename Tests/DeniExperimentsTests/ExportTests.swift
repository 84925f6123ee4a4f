import DeniData
import DeniTraining
import Foundation
import XCTest
@testable import DeniExperiments

final class ExportTests: XCTestCase {
    /// Two strategies × two runs, 10 steps each, evaluations at steps 5 and 10; DENI#1 failed.
    func events() -> [TrainingEvent] {
        Fixtures.run("Default", 0, f1: 70) + Fixtures.run("Default", 1, f1: 72)
            + Fixtures.run("DENI", 0, f1: 75) + Fixtures.run("DENI", 1, f1: nil, status: .failed)
    }
    let config = Fixtures.config(runs: 2)

    func parseCSV(_ text: String) -> [[String]] { text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } }

    func testWideCSVHasOneColumnPerMetricAndRun() {
        let rows = parseCSV(CSVExport.wide(SessionCurves(config: config, events: events())))
        let header = rows[0]
        XCTAssertEqual(header.count, 1 + 6 * 4)
        XCTAssertEqual(Array(header.prefix(3)), ["step", "wall_time:Default#0", "wall_time:Default#1"])
        XCTAssertTrue(header.contains("loss:DENI#1"))
        XCTAssertTrue(header.contains("eval_f1:DENI#0"))
        XCTAssertEqual(rows.count, 1 + 10)
        XCTAssertTrue(rows.allSatisfy { $0.count == header.count })
        let step3 = rows[3]
        XCTAssertEqual(step3[0], "3")
        // Fixture loss = 1/step + run.
        XCTAssertEqual(Double(step3[header.firstIndex(of: "loss:DENI#1")!])!, 1.0 / 3 + 1, accuracy: 1e-15)
        XCTAssertEqual(step3[header.firstIndex(of: "eval_f1:DENI#1")!], "")
        let step5 = rows[5]
        XCTAssertEqual(Double(step5[header.firstIndex(of: "eval_f1:DENI#1")!]), 46)  // 40 + step + run
        XCTAssertEqual(Double(step5[header.firstIndex(of: "wall_time:Default#0")!]), 0.5)
    }

    func testCSVQuotesAwkwardNamesAndWritesNonFinite() {
        let id = RunID(strategy: "A,\"B\"", run: 0)
        let events: [TrainingEvent] = [.step(id: id, step: 1, epoch: 0, loss: .nan, learningRate: 0.1, time: 0)]
        let text = CSVExport.wide(SessionCurves(config: config, events: events))
        XCTAssertTrue(text.hasPrefix("step,\"wall_time:A,\"\"B\"\"#0\""))
        XCTAssertTrue(text.contains("\n1,0.0,nan,0.1,,,\n"))
    }

    func testMarkdownTableHasOneLinePerStrategy() {
        let table = ResultsTable.derive(config: config, events: events(), classCount: 6)
        let lines = ResultsText.markdown(table).split(separator: "\n")
        XCTAssertEqual(lines.count, 2 + 2)
        XCTAssertTrue(lines.allSatisfy { $0.filter { $0 == "|" }.count == ResultsText.headers.count + 1 })
        XCTAssertTrue(lines[2].hasPrefix("| Default | 2 | 0 | 71.00 ± 1.00 |"))
        XCTAssertTrue(lines[3].hasPrefix("| DENI | 1 | 1 | 75.00 ± 0.00 |"))
    }

    func testIntervalsArePrintedFromFivePairsOn() {
        let i = Interval(estimate: 0.664, low: 0.19, high: 1.123)
        XCTAssertEqual(ResultsText.difference(i, pairs: 5), "+0.66 [+0.19, +1.12]")
        XCTAssertEqual(ResultsText.difference(i, pairs: 4), "+0.66 [no CI: 4 pairs]")
        XCTAssertEqual(ResultsText.ratio(i, pairs: 20), "0.66 [0.19, 1.12]")
        XCTAssertEqual(ResultsText.ratio(i, pairs: 2), "0.66 [no CI: 2 pairs]")
        // A derived table with 2 pairs (the runner's first significance) prints the estimates alone.
        let pairs = (0..<2).flatMap { Fixtures.run("Default", $0, f1: 70 + Double($0), steps: 10) + Fixtures.run("DENI", $0, f1: 74 + 2 * Double($0), steps: 10) }
        let row = ResultsText.cells(ResultsTable.derive(config: config, events: pairs, classCount: 6))[1]
        XCTAssertEqual(row[0], "DENI")
        XCTAssertEqual(row[8], "+4.50 [no CI: 2 pairs]")
        XCTAssertEqual(row[9], "+4.50 [no CI: 2 pairs]", "the paired t interval, also withheld below 5 pairs")
        XCTAssertEqual(row[10], "0.500", "exact sign-flip p over the 4 sign patterns")
        XCTAssertEqual(row[12], "2.00 [no CI: 2 pairs]")
        XCTAssertEqual(row[13], "inconclusive / inconclusive", "no verdict below 5 pairs")
    }

    /// DENI#1 failed: drawn dashed where it stopped, outside DENI's mean (no band with one finished run) and n.
    func testCurveSVGIsWellFormedWithOneSeriesPerStrategy() {
        let curves = SessionCurves(config: config, events: events())
        XCTAssertEqual(curves.runs.map(\.endState), [.finished, .finished, .finished, .failed])
        for metric in [CurvePlot.Metric.loss, .evalMacroF1] {
            let text = CurvePlot.svg(curves, metric: metric)
            let svg = SVGCounter.parse(text)
            XCTAssertEqual(svg.seriesNames, ["Default", "DENI"])
            XCTAssertEqual(svg.classes["run"], 3)
            XCTAssertEqual(svg.classes["unfinished-run"], 1)
            XCTAssertEqual(svg.classes["mean"], 2)
            XCTAssertEqual(svg.classes["band"], 1)
            XCTAssertTrue(text.contains("Default (n=2)") && text.contains("DENI (n=1; 1 failed)"), text)
            XCTAssertEqual(svg.classes["legend"], 1)
            XCTAssertEqual(svg.elements["svg"], 1)
        }
    }

    /// A cancelled run and one that never ended (the experiment stopped) are named apart and kept out of the mean:
    /// DENI's mean equals its one finished run.
    func testCancelledAndInterruptedRunsStayOutOfTheMean() {
        var partial = Fixtures.run("DENI", 1, f1: nil, status: .cancelled, steps: 4)
        let interrupted = Array(Fixtures.run("DENI", 2, f1: nil, steps: 6).dropLast())   // no run_end
        partial += interrupted
        let curves = SessionCurves(config: Fixtures.config(runs: 3), events: Fixtures.run("DENI", 0, f1: 75) + partial)
        XCTAssertEqual(curves.runs.map(\.endState), [.finished, .cancelled, .interrupted])
        let text = CurvePlot.svg(curves, metric: .loss, options: CurvePlot.Options(smoothing: 0))
        XCTAssertTrue(text.contains("DENI (n=1; 1 cancelled; 1 interrupted)"), text)
        let svg = SVGCounter.parse(text)
        XCTAssertEqual(svg.classes["run"], 1)
        XCTAssertEqual(svg.classes["unfinished-run"], 2)
        let points = { (cls: String) in text.split(separator: "\n").first { $0.contains("class=\"\(cls)\"") }.map { $0.split(separator: "\"")[3] } }
        XCTAssertEqual(points("mean"), points("run"), "the mean is the finished run alone")
    }

    /// `--runs` names the four ways a run ends: finished, failed, cancelled, and interrupted (started, no run_end;
    /// its metrics and cost are empty). A run that never started has no row.
    func testRunsCSVNamesEveryRunState() {
        let events = Fixtures.run("DENI", 0, f1: 75) + Fixtures.run("DENI", 1, f1: nil, status: .failed)
            + Fixtures.run("DENI", 2, f1: nil, status: .cancelled, steps: 4) + Array(Fixtures.run("DENI", 3, f1: nil, steps: 6).dropLast())
        let csv = CSVExport.runs(config: Fixtures.config(runs: 5), events: events)
        let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(rows.map { $0.prefix(3).joined(separator: ",") }, ["DENI,0,finished", "DENI,1,failed", "DENI,2,cancelled", "DENI,3,interrupted"])
        XCTAssertEqual(rows[3].dropFirst(3), ["", "", "", ""])
        XCTAssertEqual(rows[2][5], "100")
    }

    func testThinningKeepsEndsAndSmoothingIsDebiased() {
        let pts = (0..<1000).map { (Double($0), 2.0) }
        let thin = CurvePlot.thin(pts, 100)
        XCTAssertLessThanOrEqual(thin.count, 101)
        XCTAssertEqual(thin.first?.0, 0)
        XCTAssertEqual(thin.last?.0, 999)
        // A constant series stays constant under debiased EMA (no pull towards 0 at the start).
        XCTAssertTrue(CurvePlot.smooth(pts, weight: 0.9).allSatisfy { abs($0.1 - 2) < 1e-12 })
    }

    func testResultsChartHasDotsPerFinishedRun() {
        let table = ResultsTable.derive(config: config, events: events(), classCount: 6)
        let svg = SVGCounter.parse(ResultsChart.svg(table: table, events: events()))
        XCTAssertEqual(svg.seriesNames, ["Default", "DENI"])
        XCTAssertEqual(svg.classes["run-dot"], 3)
        XCTAssertEqual(svg.classes["error-bar"], 2)
    }

    func testSessionExportWritesAllFiles() throws {
        let parent = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let w = try Fixtures.writer(in: parent, config: config)
        for e in events() { w.publish(e) }
        try w.finish(summary: ResultsTable.derive(config: config, events: events(), classCount: 6))
        let s = try SessionReader.read(w.folder)
        let out = parent.appendingPathComponent("out")
        let written = try SessionExport.write(s, csv: parent.appendingPathComponent("c.csv"), markdown: parent.appendingPathComponent("r.md"),
                                              svgFolder: out)
        XCTAssertEqual(written.count, 2 + SessionExport.svgFiles.count)
        for name in SessionExport.svgFiles {
            _ = SVGCounter.parse(try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8))
        }
        XCTAssertTrue(try String(contentsOf: parent.appendingPathComponent("r.md"), encoding: .utf8).contains("| DENI |"))
    }

    // MARK: styles

    /// A built-in strategy has one style whatever else is shown; variants take the free styles, never a shown one.
    func testStrategyStylesAreFixedForBuiltInsAndDistinctForVariants() {
        let alone = StrategyStyles(["DENI"]), three = StrategyStyles(["Ensemble", "DENI · K 3", "Default", "DENI", "DENI · K 7"])
        XCTAssertEqual(alone.slot("DENI"), three.slot("DENI"))
        XCTAssertEqual(three.slot("deni"), three.slot("DENI"), "the raw kind name is the same strategy")
        XCTAssertEqual(three.slot("Default"), StrategyStyles.slot(of: .standard))
        let slots = ["Ensemble", "DENI · K 3", "Default", "DENI", "DENI · K 7"].map(three.slot)
        XCTAssertEqual(Set(slots).count, 5, "\(slots)")
        XCTAssertEqual(Set(slots.map { StrategyStyles.color($0) }).count, 5, "five strategies, five colours")
        // The eight built-ins listed first have eight different colours.
        XCTAssertEqual(Set(StrategyStyles.builtIn.prefix(8).map { StrategyStyles.color(StrategyStyles.slot(of: $0)) }).count, 8)
        // Every built-in has its own colour + marker pair.
        let pairs = StrategyStyles.builtIn.map { k in let s = StrategyStyles.slot(of: k); return "\(StrategyStyles.color(s))/\(StrategyStyles.marker(s))" }
        XCTAssertEqual(Set(pairs).count, StrategyStyles.builtIn.count)
    }

    /// DENI is drawn in one colour in every SVG, whether its session ran Default before it or not.
    func testSVGsDrawAStrategyInItsOneColour() {
        let deniOnly = Fixtures.run("DENI", 0, f1: 75) + Fixtures.run("DENI", 1, f1: 76)
        var cfg = config; cfg.strategies = [StrategyConfig(kind: .deni)]
        let colour = PlotStyle(strategy: "DENI", in: StrategyStyles(["DENI"])).color
        for text in [CurvePlot.svg(SessionCurves(config: config, events: events()), metric: .loss),
                     CurvePlot.svg(SessionCurves(config: cfg, events: deniOnly), metric: .loss),
                     ResultsChart.svg(table: ResultsTable.derive(config: cfg, events: deniOnly, classCount: 2), events: deniOnly)] {
            let group = text.components(separatedBy: "data-strategy=\"DENI\"")[1].components(separatedBy: "</g>")[0]
            XCTAssertTrue(group.contains("\"\(colour)\""), group)
        }
    }

    // MARK: class pictures

    /// Three classes; Default ran twice, DENI once (its second run failed: left out).
    func classEvents() -> [TrainingEvent] {
        func metrics(_ f1: [Double], _ confusion: [[Int]]) -> RunMetrics {
            RunMetrics(accuracy: 80, macroF1: f1.reduce(0, +) / 3, perClassF1: f1, confusion: confusion)
        }
        func end(_ e: [TrainingEvent], _ m: RunMetrics) -> [TrainingEvent] {
            guard case let .runEnd(id, status, _, cost, failure, step, time) = e.last! else { return e }
            return e.dropLast() + [.runEnd(id: id, status: status, metrics: m, cost: cost, failure: failure, step: step, time: time)]
        }
        return end(Fixtures.run("Default", 0, f1: 70), metrics([60, 70, 80], [[5, 1, 0], [2, 3, 1], [0, 0, 7]]))
            + end(Fixtures.run("Default", 1, f1: 72), metrics([62, 72, 90], [[4, 2, 0], [1, 5, 0], [0, 1, 6]]))
            + end(Fixtures.run("DENI", 0, f1: 75), metrics([75, 80, 85], [[6, 0, 0], [0, 6, 0], [1, 0, 6]]))
            + Fixtures.run("DENI", 1, f1: nil, status: .failed)
    }

    func testConfusionHeatMapHasOneCellPerClassPairWithTheSummedCounts() {
        let names = ["abbreviation", "entity", "human"]
        let svg = SVGCounter.parse(ClassPlots.confusion(events: classEvents(), strategies: ["Default", "DENI"], classNames: names))
        XCTAssertEqual(svg.classes["panel"], 2)
        XCTAssertEqual(svg.cells.count, 2 * 3 * 3, "one cell per (true, predicted) pair per strategy")
        func value(_ panel: String, _ row: Int, _ column: Int) -> String? {
            svg.cells.first { $0["panel"] == panel && $0["data-row"] == "\(row)" && $0["data-column"] == "\(column)" }?["data-value"]
        }
        // Default: the two runs' matrices summed.
        XCTAssertEqual(value("Default", 0, 0), "9")
        XCTAssertEqual(value("Default", 0, 1), "3")
        XCTAssertEqual(value("Default", 1, 1), "8")
        XCTAssertEqual(value("Default", 2, 1), "1")
        XCTAssertEqual(value("DENI", 2, 0), "1")
        XCTAssertEqual(value("DENI", 1, 1), "6")
        XCTAssertTrue(svg.cells.allSatisfy { Int($0["data-value"] ?? "") != nil })
        for name in names { XCTAssertEqual(svg.labels.filter { $0 == name }.count, 4, "true and predicted axes of both panels name \(name)") }
    }

    func testPerClassF1HeatMapHasTheMeanOverFinishedRuns() {
        let svg = SVGCounter.parse(ClassPlots.perClassF1(events: classEvents(), strategies: ["Default", "DENI"], classNames: ["a", "b", "c"]))
        XCTAssertEqual(svg.cells.count, 2 * 3)
        XCTAssertEqual(svg.cells.map { Double($0["data-value"]!)! }, [61, 71, 85, 75, 80, 85])
        XCTAssertEqual(Array(svg.labels.prefix(2)), ["Default (n=2)", "DENI (n=1)"])
    }

    /// The loss plot shades DENI's interpolation rounds and its delayed ensemble from the phase events.
    func testLossPlotShadesTheRecordedPhases() {
        let id = RunID(strategy: "DENI", run: 0)
        var deni = Fixtures.run("DENI", 0, f1: 75)
        deni.insert(contentsOf: [TrainingEvent.phase(id: id, step: 3, phase: .interpolating, members: 3, detail: "round 1", time: 0.3),
                                 .phase(id: id, step: 5, phase: .single, members: 1, detail: "averaged", time: 0.5),
                                 .phase(id: id, step: 8, phase: .ensemble, members: 3, detail: "ensemble", time: 0.8)], at: 2)
        let text = CurvePlot.svg(SessionCurves(config: config, events: Fixtures.run("Default", 0, f1: 70) + deni), metric: .loss)
        let svg = SVGCounter.parse(text)
        XCTAssertEqual(svg.phases.map { [$0["group"]!, $0["data-phase"]!, $0["data-from"]!, $0["data-to"]!] },
                       [["DENI", "interpolating", "3", "5"], ["DENI", "ensemble", "8", "10"]])
        XCTAssertTrue(text.contains("shaded: interpolation rounds (light) and delayed ensemble (dark) of DENI"), text)
        XCTAssertEqual(SVGCounter.parse(CurvePlot.svg(SessionCurves(config: config, events: events()), metric: .loss)).phases.count, 0,
                       "no phase events, no shading")
    }

    func testClassNamesComeFromTheSessionThenTheRegistry() throws {
        let parent = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        var named = Fixtures.dataset
        named.classNames = ["a", "b", "c", "d", "e", "f"]
        let w = try SessionWriter.create(in: parent.appendingPathComponent("new"), config: config, modelIdentity: Fixtures.model,
                                         datasetIdentity: named, machine: Fixtures.machine)
        try w.markInterrupted()
        XCTAssertEqual(SessionExport.classNames(try SessionReader.read(w.folder)), ["a", "b", "c", "d", "e", "f"])
        let old = try Fixtures.writer(in: parent.appendingPathComponent("old"), config: config)
        try old.markInterrupted()
        XCTAssertEqual(SessionExport.classNames(try SessionReader.read(old.folder)), DatasetRegistry.info("trec")?.classNames)
    }

    /// PNG copies come from rsvg-convert (skipped where it is not installed).
    func testPNGCopiesAreWrittenBesideTheSVGs() throws {
        guard PNGExport.available else { throw XCTSkip("rsvg-convert is not on PATH (Debian package librsvg2-bin)") }
        let parent = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let svg = parent.appendingPathComponent("confusion.svg")
        try ClassPlots.confusion(events: classEvents(), strategies: ["Default", "DENI"], classNames: ["a", "b", "c"]).write(to: svg, atomically: true, encoding: .utf8)
        let pngs = try XCTUnwrap(try PNGExport.write(beside: [svg]))
        XCTAssertEqual(pngs.map(\.lastPathComponent), ["confusion.png"])
        let bytes = try Data(contentsOf: pngs[0])
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG signature")
        // Width in the IHDR chunk: twice the SVG's.
        let width = bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }
        let svgWidth = try XCTUnwrap(Double(try String(contentsOf: svg, encoding: .utf8).components(separatedBy: "width=\"")[1].components(separatedBy: "\"")[0]))
        XCTAssertEqual(Double(width), svgWidth * Double(PNGExport.zoom), accuracy: 2)
        // A file rsvg-convert cannot read is one clear error naming it.
        let bad = parent.appendingPathComponent("bad.svg")
        try "not svg".write(to: bad, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PNGExport.write(beside: [bad])) { error in
            XCTAssertTrue("\(error)".contains("bad.png") && "\(error)".contains("rsvg-convert"), "\(error)")
        }
    }
}
