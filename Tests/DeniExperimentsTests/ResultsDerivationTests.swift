import DeniTraining
import Foundation
import XCTest
@testable import DeniExperiments

final class ResultsDerivationTests: XCTestCase {
    /// Default: F1 70, 72, 10 (collapsed below 100/6), 74. DENI: 75, 74, failed outright, 76; run 3 of DENI
    /// ended twice (resumed: the first end, 20, must be ignored).
    func events() -> [TrainingEvent] {
        Fixtures.run("Default", 0, f1: 70, wall: 1) + Fixtures.run("Default", 1, f1: 72, wall: 2)
            + Fixtures.run("Default", 2, f1: 10, wall: 3) + Fixtures.run("Default", 3, f1: 74, wall: 6)
            + Fixtures.run("DENI", 0, f1: 75, modelSteps: 150, wall: 4) + Fixtures.run("DENI", 1, f1: 74, modelSteps: 150, wall: 4)
            + Fixtures.run("DENI", 2, f1: nil, status: .failed, modelSteps: 30)
            + Fixtures.run("DENI", 3, f1: 20, modelSteps: 150, wall: 4) + Fixtures.run("DENI", 3, f1: 76, modelSteps: 150, wall: 7)
            + [.log(level: "info", message: "x", time: 0)]
    }

    func testDerivationMatchesHandComputedNumbers() {
        let t = ResultsTable.derive(config: Fixtures.config(), events: events(), classCount: 6)
        XCTAssertEqual(t.baseline, "Default")
        XCTAssertEqual(t.rows.map(\.strategy), ["Default", "DENI"])
        let d = t.rows[0], n = t.rows[1]
        // Default: mean (70+72+10+74)/4 = 56.5; squared deviations 182.25+240.25+2162.25+306.25 = 2891.
        XCTAssertEqual(d.runs, 4)
        XCTAssertEqual(d.failed, 1)
        XCTAssertEqual(d.macroF1.mean, 56.5, accuracy: 1e-12)
        XCTAssertEqual(d.macroF1.std, (2891.0 / 4).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(d.accuracy.mean, 61.5, accuracy: 1e-12)
        XCTAssertEqual(d.modelSteps, 100)
        XCTAssertEqual(d.costRelativeToEnsemble, 0.1, accuracy: 1e-12)
        XCTAssertEqual(d.wallSeconds, 3)
        XCTAssertNil(d.significance)
        // DENI: finished 75, 74, 76 (mean 75, std √(2/3)); one failed outright.
        XCTAssertEqual(n.runs, 3)
        XCTAssertEqual(n.failed, 1)
        XCTAssertEqual(n.macroF1.mean, 75, accuracy: 1e-12)
        XCTAssertEqual(n.macroF1.std, (2.0 / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(n.modelSteps, 150)
        XCTAssertEqual(n.costRelativeToEnsemble, 0.15, accuracy: 1e-12)
        XCTAssertEqual(n.wallSeconds, 5)
        // Pairs (run 0, 1, 3): differences 5, 2, 2 → mean 3; SciPy's wilcoxon([75,74,76],[70,72,74]) = 0.25;
        // std([75,74,76]) / std([70,72,74]) = √(2/3) / √(8/3) = 0.5.
        let s = try! XCTUnwrap(n.significance)
        XCTAssertEqual(s.pairs, 3)
        XCTAssertEqual(s.meanDifference.estimate, 3, accuracy: 1e-12)
        XCTAssertTrue(s.meanDifference.low >= 2 && s.meanDifference.low <= 3, "\(s.meanDifference)")
        XCTAssertTrue(s.meanDifference.high >= 3 && s.meanDifference.high <= 5, "\(s.meanDifference)")
        XCTAssertEqual(s.wilcoxonP, 0.25, accuracy: 1e-12)
        XCTAssertEqual(s.stdRatio.estimate, 0.5, accuracy: 1e-12)
        // Same inputs → same table (fixed bootstrap seeds).
        XCTAssertEqual(ResultsTable.derive(config: Fixtures.config(), events: events(), classCount: 6), t)
    }

    func testWithoutDefaultCostUsesPlannedStepsAndNoSignificance() {
        let config = Fixtures.config(strategies: [.deni, .swa])
        let events = Fixtures.run("DENI", 1, f1: 75, steps: 10, modelSteps: 150) + Fixtures.run("DENI", 0, f1: 73, steps: 20, modelSteps: 150)
        let t = ResultsTable.derive(config: config, events: events, classCount: 6)
        XCTAssertNil(t.baseline)
        XCTAssertEqual(t.rows.map(\.strategy), ["DENI", "SWA"])
        XCTAssertEqual(t.rows[0].costRelativeToEnsemble, 150.0 / (10 * 20), accuracy: 1e-12, "run 0's planned steps")
        XCTAssertNil(t.rows[0].significance)
        XCTAssertEqual(t.rows[1].runs, 0)
        XCTAssertTrue(t.rows[1].macroF1.mean.isNaN)
    }

    func testReplayReproducesTheRecordedSummaryExactly() throws {
        let parent = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let config = Fixtures.config(strategies: [.standard, .deni, .swa])  // SWA has no runs: NaNs in the summary
        let w = try Fixtures.writer(in: parent, config: config)
        let events = events()
        for e in events { w.publish(e) }
        let summary = ResultsTable.derive(config: config, events: events, classCount: Fixtures.dataset.classCount)
        try w.finish(summary: summary)
        let s = try SessionReader.read(w.folder)
        let replayed = s.derivedResults()
        XCTAssertTrue(replayed.encodesIdentically(to: try XCTUnwrap(s.manifest.summary)))
        XCTAssertTrue(replayed.rows[2].macroF1.mean.isNaN)
        var altered = replayed
        altered.rows[0].macroF1.mean += 1e-9
        XCTAssertFalse(altered.encodesIdentically(to: try XCTUnwrap(s.manifest.summary)))
    }
}
