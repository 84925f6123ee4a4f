import Foundation
import XCTest
import DeniExperiments
import DeniTraining
@testable import DeniUI

final class ReplayTests: XCTestCase {
    func testReplayThroughTheSameReducerEqualsLive() {
        var live = ExperimentModel(config: Fixture.config)
        for e in Fixture.events { live.apply(e) }
        var p = ReplayPlayer(name: "a", session: Fixture.session)
        p.speedIndex = ReplayPlayer.speeds.count - 1
        p.advance(by: 0.01)
        XCTAssertTrue(p.atEnd)
        XCTAssertEqual(p.model, live)
    }

    /// The committed example sessions (recorded before the experiment vocabulary changed) replay to the results
    /// they recorded, and a replay halfway shows the results of the runs ended by then.
    func testRecordedSessionsReplayToTheirSummary() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let store = StoredSessions(folder: root.appendingPathComponent("sessions/examples"))
        let rows = try store.list()
        XCTAssertGreaterThanOrEqual(rows.count, 2)
        for row in rows {
            let session = try store.load(row.name)
            var p = ReplayPlayer(name: row.name, session: session)
            p.seek(fraction: 0.5)
            let half = Array(session.events.prefix(p.position))
            let classes = session.events.lazy.compactMap { e -> Int? in
                if case let .runEnd(_, _, m?, _, _, _, _) = e { m.perClassF1.count } else { nil }
            }.first!
            XCTAssertTrue(p.table?.encodesIdentically(to: ResultsTable.derive(config: session.config, events: half, classCount: classes)) ?? false, row.name)
            p.seek(fraction: 1)
            XCTAssertTrue(p.table?.encodesIdentically(to: session.table!) ?? false, "\(row.name): replay ends on the recorded summary")
        }
    }

    func testStepSeekBackwardsAndForwards() {
        var p = ReplayPlayer(name: "a", session: Fixture.session)
        p.step(); p.step()
        XCTAssertEqual(p.position, 2); XCTAssertTrue(p.paused)
        XCTAssertEqual(p.advance(by: 100), 0, "paused")
        p.seek(to: 500)
        var reference = ExperimentModel(config: Fixture.config)
        for e in Fixture.events.prefix(500) { reference.apply(e) }
        XCTAssertEqual(p.model, reference)
        p.seek(to: 100)
        reference = ExperimentModel(config: Fixture.config)
        for e in Fixture.events.prefix(100) { reference.apply(e) }
        XCTAssertEqual(p.model, reference, "seeking back rebuilds from the start")
        p.seek(fraction: 2)
        XCTAssertTrue(p.atEnd)
        p.seek(fraction: -1)
        XCTAssertEqual(p.position, 0)
    }

    func testTimelineIsMonotonicWithCappedGaps() {
        var c = Fixture.config; c.runs = 1
        let id = RunID(strategy: "Default", run: 0)
        let events: [TrainingEvent] = [
            .runStart(id: id, seeds: .init(), totalSteps: 3, trainExamples: 8, time: 100),
            .step(id: id, step: 1, epoch: 1, loss: 1, learningRate: 0, time: 101),
            .step(id: id, step: 2, epoch: 1, loss: 1, learningRate: 0, time: 5000),   // long stall
            .cost(id: id, step: 2, cost: .init()),                                          // no time
            .step(id: id, step: 3, epoch: 1, loss: 1, learningRate: 0, time: 3),      // clock restarted
        ]
        let p = ReplayPlayer(name: "x", session: LoadedSession(config: c, events: events, table: nil))
        XCTAssertEqual(p.timeline, [0, 1, 1 + ReplayPlayer.maxGap, 1 + ReplayPlayer.maxGap, 1 + ReplayPlayer.maxGap])
    }

    func testEmptySessionReplaysWithoutTrouble() {
        var p = ReplayPlayer(name: "empty", session: LoadedSession(config: Fixture.config, events: [], table: nil))
        XCTAssertTrue(p.atEnd); XCTAssertEqual(p.fraction, 1)
        p.step(); p.seek(fraction: 0.5); p.advance(by: 1)
        XCTAssertEqual(p.position, 0)
    }
}

final class ChartTests: XCTestCase {
    func testBrailleDotsMapToTheUnicodePattern() {
        var c = BrailleCanvas(columns: 2, rows: 1)
        c.dot(0, 0, .s0)   // dot 1
        c.dot(1, 3, .s0)   // dot 8
        c.dot(2, 1, .s1)   // second cell, dot 2
        c.dot(99, 99, .s1) // dropped
        var g = CellGrid(width: 2, height: 1)
        c.draw(into: &g, x: 0, y: 0, glyphs: .unicodeSet)
        XCTAssertEqual(g[0, 0].scalar, Unicode.Scalar(0x2800 + 0x01 + 0x80)!)
        XCTAssertEqual(g[1, 0].scalar, Unicode.Scalar(0x2800 + 0x02)!)
        XCTAssertEqual(g[1, 0].style.ink, .s1)
        var a = CellGrid(width: 2, height: 1)
        c.draw(into: &a, x: 0, y: 0, glyphs: .asciiSet)
        XCTAssertEqual(a.lines, [":'"])
    }

    func testLineConnectsEndpoints() {
        var c = BrailleCanvas(columns: 4, rows: 2)
        c.line(0, 0, 7, 7, .s2)
        var g = CellGrid(width: 4, height: 2)
        c.draw(into: &g, x: 0, y: 0, glyphs: .unicodeSet)
        XCTAssertFalse(c.isEmpty(column: 0, row: 0))
        XCTAssertFalse(c.isEmpty(column: 3, row: 1))
        XCTAssertTrue(c.isEmpty(column: 3, row: 0))
    }

    func testChartDrawsAxesMarkersRulesAndClampsOutliers() {
        var chart = LineChart(title: "T", xRange: 0...10, yRange: 0...1)
        chart.series = [ChartSeries(points: [(0, 0), (5, 0.5), (10, 5)], ink: .s0, marker: "●")]
        chart.rules = [2.5]
        chart.formatX = LineChart.integer
        var g = CellGrid(width: 30, height: 8)
        chart.draw(into: &g, rect: Rect(x: 0, y: 0, width: 30, height: 8), glyphs: .unicodeSet)
        let text = g.lines.joined(separator: "\n")
        XCTAssertTrue(g.lines[0].hasPrefix("T"))
        XCTAssertTrue(text.contains("●"))
        XCTAssertTrue(text.contains("┊"))
        XCTAssertTrue(g.lines[7].contains("0") && g.lines[7].contains("10"))
        XCTAssertTrue(g.lines[1].contains("1.00"), "top label")
        // The outlier (y = 5) is clamped to the top row, not drawn outside the plot.
        XCTAssertTrue(g.lines[1].contains("●"))
    }

    func testCompactNumbers() {
        XCTAssertEqual(LineChart.compact(0.0001), "1.0e-4")
        XCTAssertEqual(LineChart.compact(12345), "12k")
        XCTAssertEqual(LineChart.compact(2_500_000), "2.5M")
        XCTAssertEqual(LineChart.compact(.nan), "–")
        XCTAssertEqual(LineChart.fmt(-0.004, 2), "0.00")
        XCTAssertEqual(LineChart.fmt(-1.25, 1), "-1.3")
        XCTAssertEqual(LineChart.niceRange([], fallback: 0...1), 0...1)
        XCTAssertEqual(LineChart.niceRange([50, 50], fallback: 0...1, clampTo: 0...100).lowerBound, 49.45, accuracy: 1e-9)
    }

    func testGridTextReplacesNonSingleWidthCharacters() {
        var g = CellGrid(width: 10, height: 1)
        g.text(0, 0, "a\u{7}漢e\u{301}😀z")
        XCTAssertEqual(g.lines, ["a??e??z"])
        g.text(8, 0, "long text")
        XCTAssertEqual(g.lines, ["a??e??z lo"], "clipped at the edge")
    }
}

final class KeyTableTests: XCTestCase {
    func testNoKeyIsBoundTwiceInOneContext() {
        for ctx in KeyContext.allCases {
            var seen: [Key: Command] = [:]
            for b in KeyTable.bindings where b.context == ctx {
                for k in b.keys {
                    XCTAssertNil(seen[k], "\(k) bound twice in \(ctx)")
                    seen[k] = b.command
                }
            }
        }
    }

    func testHelpIsGeneratedFromTheTable() {
        for ctx in KeyContext.allCases where ctx != .global {
            let lines = KeyTable.helpLines(for: ctx)
            let expected = KeyTable.bindings.filter { $0.context == ctx || $0.context == .global }.count
            XCTAssertEqual(lines.count, expected)
        }
        var s = Fixture.state(width: 120, height: 60)
        s.press(.char("?"))
        let text = Renderer.render(s).lines.joined(separator: "\n")
        for b in KeyTable.bindings where b.context == .setup || b.context == .global {
            XCTAssertTrue(text.contains(b.description), "help shows '\(b.description)'")
        }
    }

    func testScreenBindingWinsOverGlobal() {
        XCTAssertEqual(KeyTable.command(for: .char("s"), in: .setup), .startTraining)
        XCTAssertEqual(KeyTable.command(for: .char("s"), in: .results), .sortNext)
        XCTAssertEqual(KeyTable.command(for: .char("j"), in: .results), .down)
        XCTAssertEqual(KeyTable.command(for: .down, in: .replay), .down)
        XCTAssertNil(KeyTable.command(for: .char("Z"), in: .live))
    }
}
