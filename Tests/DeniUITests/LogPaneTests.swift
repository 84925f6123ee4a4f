import XCTest
import DeniCore
import DeniExperiments
import DeniTraining
@testable import DeniUI

/// The Live screen's log: lines derived from the events (so replay shows the same), wrapped, scrollable.
final class LogPaneTests: XCTestCase {
    let a = RunID(strategy: "DENI", run: 0), b = RunID(strategy: "DENI", run: 1), c = RunID(strategy: "Default", run: 0), d = RunID(strategy: "Default", run: 1)

    var events: [TrainingEvent] {
        let metrics = RunMetrics(accuracy: 87.125, macroF1: 85.5, perClassF1: [85, 86], confusion: [[1, 0], [0, 1]])
        return [
            .log(level: "warning", message: "trec: 3 rows skipped", time: 0),
            .runStart(id: a, seeds: Seeds(all: 0), totalSteps: 100, trainExamples: 80, time: 0),
            .phase(id: a, step: 40, phase: .interpolating, members: 10, detail: "interpolation round 1 started", time: 1),
            .phase(id: a, step: 60, phase: .ensemble, members: 5, detail: "", time: 2),
            .runEnd(id: a, status: .finished, metrics: metrics, cost: CostCounters(), failure: nil, step: 100, time: 3),
            .runStart(id: b, seeds: Seeds(all: 1), totalSteps: 100, trainExamples: 80, time: 3),
            .runEnd(id: b, status: .failed, metrics: nil, cost: CostCounters(), failure: "loss became NaN", step: 12, time: 4),
            .runStart(id: c, seeds: Seeds(all: 0), totalSteps: 100, trainExamples: 80, time: 4),
            .runEnd(id: c, status: .cancelled, metrics: nil, cost: CostCounters(), failure: nil, step: 30, time: 5),
            .runStart(id: d, seeds: Seeds(all: 1), totalSteps: 100, trainExamples: 80, time: 5),
            .step(id: d, step: 7, epoch: 0, loss: 0.5, learningRate: 1e-4, time: 6),
        ]
    }

    static let expected = [
        "trec: 3 rows skipped",
        "DENI#0 step 40: interpolation round 1 started",
        "DENI#0 step 60: delayed ensemble, 5 members",
        "DENI#0 finished: macro-F1 85.50 · accuracy 87.13",
        "DENI#1 failed: loss became NaN",
        "Default#0 cancelled at step 30",
    ]

    /// Run ends (each of the four ways, with a finished run's macro-F1), phase changes and log events become log
    /// lines; the live view adds the interrupted run and the driver's failure when training stops.
    func testLogLinesAreDerivedFromTheEvents() {
        var s = Fixture.state()
        s.live = ExperimentModel(config: Fixture.config)
        s.training = .running
        _ = s.reduce(.events(events))
        XCTAssertEqual(s.live?.logs.map(\.message), Self.expected)
        XCTAssertEqual(s.live?.logs.map(\.level), ["warning", "info", "info", "info", "error", "warning"])
        _ = s.reduce(.trainingEnded(failure: "disk full"))
        XCTAssertEqual(s.live?.logs.suffix(2).map(\.message), ["Default#1 interrupted at step 7", "training stopped: disk full"])
    }

    /// Replay applies the same events through the same model: its log is the live log. A session no process writes
    /// any more ends with its unfinished run marked interrupted, as the live view did.
    func testReplayShowsTheSameLog() {
        var p = ReplayPlayer(name: "x", session: LoadedSession(config: Fixture.config, events: events + [.stopped("disk full", time: 6)], table: nil))
        p.seek(to: p.events.count)
        XCTAssertEqual(p.model.logs.map(\.message), Self.expected + ["training stopped: disk full", "Default#1 interrupted at step 7"])
        var still = ReplayPlayer(name: "y", session: LoadedSession(config: Fixture.config, events: events, table: nil, over: false))
        still.seek(to: still.events.count)
        XCTAssertEqual(still.model.logs.map(\.message), Self.expected, "a session still being written has no interrupted run")
    }

    /// L gives the log the movement keys: k shows older lines, j newer, g the oldest, G follows the newest; Esc (or L)
    /// gives them back to the runs list, and a second Esc leaves the screen. New lines keep a scrolled log in place.
    func testFocusedLogScrolls() {
        var s = Fixture.state()
        s.live = ExperimentModel(config: Fixture.config)
        s.training = .running
        s.screen = .live
        _ = s.reduce(.events((0..<30).map { .log(level: "info", message: "line \($0)", time: Double($0)) }))
        s.press(.char("L"))
        XCTAssertTrue(s.liveView.logFocus)
        s.press(.char("k"), .char("k"), .up)
        XCTAssertEqual(s.liveView.logScroll, 3)
        XCTAssertEqual(s.liveView.selectedRun, 0, "the runs list did not move")
        _ = s.reduce(.events([.log(level: "info", message: "line 30", time: 30)]))
        XCTAssertEqual(s.liveView.logScroll, 4, "the same lines stay in view")
        XCTAssertTrue(Renderer.render(s).lines.joined(separator: "\n").contains("4 newer below"))
        s.press(.char("G"))
        XCTAssertEqual(s.liveView.logScroll, 0)
        s.press(.char("g"))
        XCTAssertEqual(s.liveView.logScroll, 30)
        s.press(.escape)
        XCTAssertFalse(s.liveView.logFocus)
        XCTAssertEqual(s.screen, .live)
        s.press(.escape)
        XCTAssertEqual(s.screen, .setup)
        XCTAssertTrue(KeyTable.helpLines(for: .live).contains { $0.keys == "L" && $0.description.hasPrefix("focus the log") })
        XCTAssertTrue(KeyTable.helpLines(for: .replay).contains { $0.keys == "L" })
    }

    /// An error longer than the pane is wrapped, not cut: every word of it is on screen at 140×48, and at 60×16 once
    /// the log is focused (it then takes the charts' place).
    func testLongErrorsWrapToThePaneWidth() {
        for (w, h, n, focus) in [(140, 48, 40, false), (60, 16, 24, true)] {
            let words = (0..<n).map { "word\($0)" }
            var s = Fixture.state(width: w, height: h)
            s.live = ExperimentModel(config: Fixture.config)
            s.training = .running
            s.screen = .live
            _ = s.reduce(.events([.log(level: "error", message: words.joined(separator: " "), time: 1)]))
            if focus { s.press(.char("L")) }
            let text = Renderer.render(s).lines.joined(separator: "\n")
            let tokens = Set(text.split { !$0.isLetter && !$0.isNumber }.map(String.init))
            for word in words { XCTAssertTrue(tokens.contains(word), "\(w)×\(h): \(word) missing\n\(text)") }
        }
    }
}
