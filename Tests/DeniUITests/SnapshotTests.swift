import XCTest
import DeniExperiments
import DeniTraining
@testable import DeniUI

/// Rendered screens as text, compared with Tests/DeniUITests/Snapshots/*.txt (DENI_RECORD=1 rewrites them).
final class SnapshotTests: XCTestCase {
    func testSetupScreens() {
        assertSnapshot(Renderer.render(Fixture.state(width: 120, height: 40)), "setup_120x40")
        var s = Fixture.state(width: 80, height: 24)
        s.setup.cursor = s.setup.fields.firstIndex(of: .batchSize)!
        s.press(.enter, .ctrl("u"))
        s.type("lots")
        s.press(.enter)
        assertSnapshot(Renderer.render(s), "setup_refused_80x24")
        s.press(.escape)
        s.press(.char("s"))
        assertSnapshot(Renderer.render(s), "setup_start_refused_80x24")
        // An experiment that extends another names the runs it trains.
        var extending = Fixture.state(width: 120, height: 40)
        extending.setup.cursor = extending.setup.fields.firstIndex(of: .setting("firstRun"))!
        extending.press(.enter, .ctrl("u"))
        extending.type("5")
        extending.press(.enter)
        XCTAssertEqual(extending.setup.config.firstRun, 5)
        XCTAssertTrue(Renderer.render(extending).lines.contains { $0.contains("2 strategies × 3 runs 5-7 = 6 runs") })
    }

    func testLiveScreens() {
        assertSnapshot(Renderer.render(Fixture.liveState(width: 120, height: 40)), "live_120x40")
        var s = Fixture.liveState(width: 200, height: 60, upTo: Fixture.events.count * 2 / 3)
        s.press(.char("j"), .char("m"))
        assertSnapshot(Renderer.render(s), "live_runs_mode_200x60")
        var small = Fixture.liveState(width: 80, height: 24, upTo: 300)
        small.training = .paused
        assertSnapshot(Renderer.render(small), "live_paused_80x24")
        var ascii = Fixture.liveState(width: 100, height: 30)
        ascii.ascii = true
        let grid = Renderer.render(ascii)
        XCTAssertTrue(grid.cells.allSatisfy { $0.scalar.isASCII }, "ASCII mode draws ASCII only")
        assertSnapshot(grid, "live_ascii_100x30")
    }

    func testResultsScreens() {
        var s = Fixture.liveState(width: 120, height: 40)
        s.press(.char("3"))
        assertSnapshot(Renderer.render(s), "results_120x40")
        var narrow = s
        narrow.width = 80; narrow.height = 24
        assertSnapshot(Renderer.render(narrow), "results_80x24")
        s.press(.char("j"), .enter)
        assertSnapshot(Renderer.render(s), "results_runs_120x40")
        s.press(.enter)
        assertSnapshot(Renderer.render(s), "results_run_120x40")
    }

    func testReplayWithTableShowsSignificance() {
        var s = Fixture.state(width: 140, height: 40)
        _ = s.reduce(.sessionLoaded(name: "fixture-session", Fixture.session))
        s.press(.char("]"), .char("]"), .char("]"), .char("]"), .char("]"), .char("]"), .char(" "))
        assertSnapshot(Renderer.render(s), "replay_140x40")
        s.press(.char("i"), .char("3"))
        assertSnapshot(Renderer.render(s), "replay_results_140x40")
    }

    /// The committed example sweep, replayed to its end: Results shows the points (axes values, mean ± std,
    /// paired Δ, verdicts) and the sensitivity chart beside the strategy table.
    func testSweepResultsShowPointsAndTheSensitivityChart() throws {
        let folder = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sessions/examples/20261130-083918-trec-lora-deni-sweep")
        let recorded = try SessionReader.read(folder)
        var s = Fixture.state(width: 140, height: 48)
        _ = s.reduce(.sessionLoaded(name: "trec-lora-deni-sweep", LoadedSession(config: recorded.config, events: recorded.events,
                                                                                 table: recorded.derivedResults())))
        s.press(.char("i"), .char("3"))
        let text = Renderer.render(s).lines.joined(separator: "\n")
        XCTAssertTrue(text.contains("Sweep points · varied: deni.noiseVariance, deni.ensembleSize · paired with: Default"), text)
        XCTAssertTrue(text.contains("Macro-F1 vs deni.noiseVariance"), text)
        assertSnapshot(Renderer.render(s), "replay_sweep_results_140x48")
        // v: the heat map of σ² × K, each cell the point's mean (the best bold), shaded low to high.
        s.press(.char("v"))
        let map = Renderer.render(s).lines.joined(separator: "\n")
        XCTAssertTrue(map.contains("Macro-F1: deni.ensembleSize (rows) × deni.noiseVariance (columns)"), map)
        let derived = try XCTUnwrap(SweepView(config: recorded.config, table: try XCTUnwrap(recorded.derivedResults()))?.heatMap)
        for mean in derived.cells.joined().compactMap({ $0 }) { XCTAssertTrue(map.contains(LineChart.fmt(mean, 2)), "\(mean) missing") }
        assertSnapshot(Renderer.render(s), "replay_sweep_heatmap_140x48")
        // y on a point: Setup holds that point (with Default) as an experiment of its own, ready to start.
        let rows = s.sortedRows
        let point = try XCTUnwrap(rows.firstIndex { $0.strategy == "DENI · σ² 0.5 · K 5" })
        s.results.cursor = point
        s.press(.char("y"))
        XCTAssertEqual(s.screen, .setup)
        XCTAssertEqual(s.setup.config.strategies.map(\.label), ["Default", "DENI · σ² 0.5 · K 5"])
        XCTAssertNil(s.setup.config.sweep)
        XCTAssertEqual(s.setup.config.trainSamples, recorded.config.trainSamples)
        XCTAssertEqual(s.setup.message, "copied 'DENI · σ² 0.5 · K 5' into Setup: s starts it")
    }

    func testSessionsAndCompare() {
        var s = Fixture.state(width: 120, height: 30)
        s.press(.char("4"))
        let catalog = MemoryCatalog(sessions: ["trec-default-vs-deni": Fixture.session, "quick": Fixture.session, "trec-deni-sweep": Fixture.session], broken: ["torn"])
        _ = s.reduce(.sessionsListed(try! catalog.list()))
        s.press(.char("c"), .char("j"))
        assertSnapshot(Renderer.render(s), "sessions_120x30")
        _ = s.reduce(.compareLoaded(names: ["quick", "trec-default-vs-deni"], sessions: [Fixture.session, Fixture.session]))
        assertSnapshot(Renderer.render(s), "compare_120x30")
    }

    /// Three sessions overlaid: strategies by colour and marker in the table, sessions by number on the chart.
    func testCompareThreeSessions() {
        var s = ReducerTests.threeSessionCompare(width: 140, height: 48)
        s.press(.char("j"))
        assertSnapshot(Renderer.render(s), "compare3_140x48")
        _ = s.reduce(.resize(width: 60, height: 16))
        assertSnapshot(Renderer.render(s), "compare3_60x16")
    }

    /// The Sessions browser (plain, filtered, with a note under the list) and the focused log, at 60×16 and 140×48.
    func testSessionsBrowserAndFocusedLogAtBothSizes() {
        for (w, h) in [(60, 16), (140, 48)] {
            var s = Fixture.state(width: w, height: h)
            s.screen = .sessions
            _ = s.reduce(.sessionsListed(SessionsBrowserTests.rows))
            s.press(.char("j"))
            assertSnapshot(Renderer.render(s), "sessions_\(w)x\(h)")
            s.press(.char("/"), .char("c"), .char("o"))
            assertSnapshot(Renderer.render(s), "sessions_filter_\(w)x\(h)")
            var live = Fixture.liveState(width: w, height: h)
            live.press(.char("L"), .char("k"))
            assertSnapshot(Renderer.render(live), "live_log_focused_\(w)x\(h)")
        }
    }

    func testOverlaysAndTooSmall() {
        var s = Fixture.liveState(width: 80, height: 24)
        s.press(.ctrl("c"))
        assertSnapshot(Renderer.render(s), "confirm_quit_80x24")
        var h = Fixture.state(width: 80, height: 24)
        h.press(.char("?"))
        assertSnapshot(Renderer.render(h), "help_setup_80x24")
        h.press(.pageDown, .pageDown, .pageDown)
        let scrolled = Renderer.render(h)
        XCTAssertTrue(scrolled.lines.joined().contains("redraw the screen"), "scrolling reaches the last binding")
        XCTAssertTrue(scrolled.lines.joined().contains("(end)"))
        assertSnapshot(scrolled, "help_setup_scrolled_80x24")
        assertSnapshot(Renderer.render(Fixture.state(width: 20, height: 5)), "too_small_20x5")
    }

    func testEveryScreenRendersAtOddSizesWithoutTrapping() {
        var states = [Fixture.state(), Fixture.liveState()]
        var r = Fixture.liveState(); r.press(.char("3")); states.append(r)
        r.press(.enter); states.append(r); r.press(.enter); states.append(r)
        var p = Fixture.state(); _ = p.reduce(.sessionLoaded(name: "a", Fixture.session)); states.append(p)
        var c = Fixture.state(); _ = c.reduce(.compareLoaded(names: ["a", "b"], sessions: [Fixture.session, Fixture.session])); states.append(c)
        states.append(ReducerTests.threeSessionCompare())
        var o = Fixture.liveState(); o.press(.char("?")); states.append(o)
        for var st in states {
            for (w, h) in [(0, 0), (1, 1), (20, 5), (59, 16), (60, 16), (61, 17), (75, 20), (133, 41), (300, 100)] {
                _ = st.reduce(.resize(width: w, height: h))
                let g = Renderer.render(st)
                XCTAssertEqual(g.width, w); XCTAssertEqual(g.height, h)
            }
        }
    }
}
