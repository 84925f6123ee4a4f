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
        XCTAssertEqual(written.count, 5)
        for name in SessionExport.svgFiles {
            _ = SVGCounter.parse(try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8))
        }
        XCTAssertTrue(try String(contentsOf: parent.appendingPathComponent("r.md"), encoding: .utf8).contains("| DENI |"))
    }
}
