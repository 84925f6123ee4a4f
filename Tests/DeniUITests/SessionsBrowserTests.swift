import XCTest
import DeniExperiments
import DeniTraining
@testable import DeniUI

/// The Sessions browser: columns fitted to the width, sort, filter, tags and notes, rename, delete, load a config
/// into Setup, resume.
final class SessionsBrowserTests: XCTestCase {
    static let longName = "20261130-101112-trec-deni-noise-variance-sweep"
    static var rows: [SessionRow] {
        [
            SessionRow(name: longName, date: "2026-11-30T10:11:12Z", dataset: "trec", strategies: ["Default", "DENI · σ² 0.05", "DENI · σ² 0.5"],
                       runs: 12, status: "finished", best: "DENI · σ² 0.05 74.12 ± 1.03", varies: "deni.noiseVariance 0.05,0.5", bestMean: 74.12,
                       tags: ["sweep"], note: "the noise sweep"),
            SessionRow(name: "20261129-090000-cola", date: "2026-11-29T09:00:00Z", dataset: "cola", strategies: ["Default", "DENI"], runs: 6,
                       status: "interrupted", best: "DENI 51.30 ± 2.00", bestMean: 51.3, tags: ["cola", "paper"]),
            SessionRow(name: "20261201-080000-live", date: "2026-12-01T08:00:00Z", dataset: "sst2", strategies: ["Default"], runs: 1,
                       status: "running", best: nil),
        ]
    }

    func state(width: Int = 140, height: Int = 48) -> AppState {
        var s = Fixture.state(width: width, height: height)
        s.screen = .sessions
        _ = s.reduce(.sessionsListed(Self.rows))
        return s
    }

    /// At 140 columns the long name and the best value are whole; at 60×16 name, runs, status and best still show.
    func testColumnsFitTheWidth() {
        let wide = Renderer.render(state()).lines.joined(separator: "\n")
        XCTAssertTrue(wide.contains(Self.longName), wide)
        XCTAssertTrue(wide.contains("DENI · σ² 0.05 74.12 ± 1.03"), wide)
        XCTAssertTrue(wide.contains("2026-11-30 10:11") && wide.contains("sweep"), wide)
        let narrow = Renderer.render(state(width: 60, height: 16)).lines
        let row = narrow.first { $0.contains("20261129") } ?? ""
        XCTAssertTrue(row.contains("interrupted") && row.contains("DENI 51.30 ± 2.00") && row.contains(" 6 "), narrow.joined(separator: "\n"))
        for line in narrow { XCTAssertLessThanOrEqual(line.unicodeScalars.count, 60) }
    }

    /// s cycles date → name → dataset → best → runs (best and runs descending, sessions without a best last); S reverses.
    func testSortCyclesAndReverses() {
        var s = state()
        XCTAssertEqual(s.visibleSessions.map(\.dataset), ["cola", "trec", "sst2"], "by date, oldest first")
        s.press(.char("S"))
        XCTAssertEqual(s.visibleSessions.map(\.dataset), ["sst2", "trec", "cola"])
        s.press(.char("s"))
        XCTAssertEqual(s.sessions.sort, .name)
        s.press(.char("s"))
        XCTAssertEqual(s.visibleSessions.map(\.dataset), ["cola", "sst2", "trec"])
        s.press(.char("s"))
        XCTAssertEqual(s.sessions.sort, .best)
        XCTAssertEqual(s.visibleSessions.map(\.dataset), ["trec", "cola", "sst2"])
        s.press(.char("S"))
        XCTAssertEqual(s.visibleSessions.map(\.dataset), ["cola", "trec", "sst2"], "no best value stays last")
        s.press(.char("s"))
        XCTAssertEqual(s.visibleSessions.map(\.runs), [12, 6, 1])
        XCTAssertTrue(KeyTable.helpLines(for: .sessions).contains { $0.keys == "s" && $0.description.contains("date, name, dataset, best, runs") })
    }

    /// / filters as it is typed over names, datasets, tags and strategies; Enter keeps the filter, Esc clears it.
    func testFilterAsYouType() {
        var s = state()
        s.press(.char("/"), .char("p"), .char("a"))
        XCTAssertEqual(s.visibleSessions.map(\.dataset), ["cola"], "tag 'paper'")
        s.press(.backspace, .backspace, .char("σ"))
        XCTAssertEqual(s.visibleSessions.map(\.dataset), ["trec"], "a strategy label")
        s.press(.enter)
        XCTAssertNil(s.sessions.prompt)
        XCTAssertEqual(s.sessions.filter, "σ")
        XCTAssertTrue(Renderer.render(s).lines.joined().contains("1 of 3 match"))
        s.press(.escape)
        XCTAssertEqual(s.sessions.filter, "")
        XCTAssertEqual(s.screen, .sessions, "the first Esc clears the filter")
        s.press(.char("/"), .char("z"), .escape)
        XCTAssertEqual(s.visibleSessions.count, 3)
    }

    /// Tags, note and rename are typed and sent on Enter; delete asks first; a session being written is refused.
    func testTagsNoteRenameAndDelete() {
        var s = state()   // cursor on the cola session (oldest)
        s.press(.char("t"))
        XCTAssertEqual(s.sessions.prompt?.text, "cola, paper")
        var effects = s.press(.char(","), .char(" "), .char("x"), .enter)
        XCTAssertEqual(effects, [.saveSessionMeta("20261129-090000-cola", tags: ["cola", "paper", "x"], note: nil)])
        effects = s.press(.char("n"), .char("o"), .char("k"), .enter)
        XCTAssertEqual(effects, [.saveSessionMeta("20261129-090000-cola", tags: ["cola", "paper"], note: "ok")])
        s.press(.char("N"))
        XCTAssertEqual(s.sessions.prompt?.text, "20261129-090000-cola")
        effects = s.press(.ctrl("u"), .char("c"), .char("2"), .enter)
        XCTAssertEqual(effects, [.renameSession("20261129-090000-cola", to: "c2")])
        effects = s.press(.char("D"))
        XCTAssertEqual(s.overlay, .confirmDeleteSession("20261129-090000-cola"))
        XCTAssertEqual(s.press(.char("n")), [])
        XCTAssertNil(s.overlay)
        s.press(.char("D"))
        XCTAssertEqual(s.press(.char("y")), [.deleteSession("20261129-090000-cola")])
        _ = s.reduce(.sessionChanged(notice: "moved it"))
        XCTAssertEqual(s.sessions.notice, "moved it")
        s.press(.char("G"))   // the running session
        XCTAssertEqual(s.press(.char("D")), [])
        XCTAssertNil(s.overlay)
        XCTAssertTrue(s.sessions.notice?.contains("session.lock") == true)
        XCTAssertEqual(s.press(.char("N")), [])
        XCTAssertNil(s.sessions.prompt)
        _ = s.reduce(.sessionOperationFailed(title: "Cannot delete 'x'", message: "process 7 is writing it (session.lock)"))
        XCTAssertEqual(s.overlay, .message(title: "Cannot delete 'x'", text: "process 7 is writing it (session.lock)"))
    }

    /// e loads the session's recorded config into Setup; R resumes it: the Live screen starts from its recorded events.
    func testLoadConfigAndResume() {
        var s = state()
        XCTAssertEqual(s.press(.char("e")), [.loadSessionConfig("20261129-090000-cola")])
        var config = Fixture.config
        config.name = "recorded"; config.runs = 5; config.dataset = "cola"
        _ = s.reduce(.sessionConfigLoaded(name: "20261129-090000-cola", config))
        XCTAssertEqual(s.screen, .setup)
        XCTAssertEqual(s.setup.config, config)
        XCTAssertEqual(s.setup.message, "loaded the config of session '20261129-090000-cola'")
        s.screen = .sessions
        XCTAssertEqual(s.press(.char("R")), [.resumeSession("20261129-090000-cola")])
        let recorded = Array(Fixture.events.prefix(200))
        _ = s.reduce(.sessionResumed(config: Fixture.config, events: recorded, message: "resuming cola: 1/6 runs finished"))
        XCTAssertEqual(s.screen, .live)
        XCTAssertEqual(s.training, .running)
        XCTAssertEqual(s.live?.eventCount, 200)
        XCTAssertEqual(s.live?.logs.last?.message, "resuming cola: 1/6 runs finished")
        s.screen = .sessions
        XCTAssertEqual(s.press(.char("R")), [], "one experiment at a time")
        XCTAssertEqual(s.sessions.notice, "training is already running: see the Live screen (2)")
    }
}
