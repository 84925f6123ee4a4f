import XCTest
import DeniExperiments
import DeniTraining
@testable import DeniUI

/// The app loop with an in-memory terminal and a synthetic driver on the background queue.
final class AppLoopTests: XCTestCase {
    func env(driver: any ExperimentDriver = SyntheticDriver(delayPerStep: 0, stepsPerRun: 30),
             catalog: any SessionStore = MemoryCatalog(sessions: [:]), presets: URL? = nil) throws -> UIEnvironment {
        UIEnvironment(driver: driver, sessions: catalog, datasets: Fixture.datasets, initialConfig: Fixture.config,
                      modelPath: try Fixture.modelFolder(), presetsDirectory: presets)
    }

    /// Steps the loop until `done` holds (or fails after `timeout` seconds).
    @discardableResult
    func spin(_ app: TerminalApp, timeout: Double = 20, until done: (TerminalApp) -> Bool) -> Int32? {
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            if let code = app.step() { return code }
            if done(app) { return nil }
        }
        XCTFail("timed out; screen:\n\((app.backend as! MemoryBackend).screenText)")
        return nil
    }

    /// Steps until the presented frame contains `text` (redraws are rate-limited, so this may take a frame).
    func waitForScreen(_ app: TerminalApp, _ text: String, timeout: Double = 5) {
        spin(app, timeout: timeout) { ($0.backend as! MemoryBackend).screenText.contains(text) }
    }

    func testTrainsToTheEndAndShowsResults() throws {
        let backend = MemoryBackend(width: 120, height: 40, input: [.key(.char("s"))])
        let app = TerminalApp(env: try env(driver: SyntheticDriver(delayPerStep: 0, stepsPerRun: 30, failing: [RunID(strategy: "DENI", run: 2)])), backend: backend)
        spin(app) { $0.state.training == .finished }
        XCTAssertNil(app.job)
        XCTAssertEqual(app.state.live?.runs.count, 6)
        waitForScreen(app, "Runs 5/6 done · 1 failed")
        XCTAssertTrue(backend.screenText.contains("FAILED"))
        XCTAssertTrue(app.state.live!.logs.contains { $0.message.contains("SYNTHETIC events") })
        backend.pending = [.key(.char("3"))]
        waitForScreen(app, "Results · trec · 5/6 runs finished · 1 failed")
        backend.pending = [.key(.char("q")), .key(.char("q")), .key(.char("q"))]
        XCTAssertEqual(spin(app) { _ in false }, 0)
    }

    func testPauseResumeCancelReachTheDriver() throws {
        let backend = MemoryBackend(width: 120, height: 40, input: [.key(.char("s"))])
        let app = TerminalApp(env: try env(driver: SyntheticDriver(delayPerStep: 0.002, stepsPerRun: 400)), backend: backend)
        spin(app) { ($0.state.live?.runs.count ?? 0) > 0 }
        backend.pending = [.key(.char("p"))]
        _ = app.step()
        XCTAssertEqual(app.job?.control.isPaused, true)
        waitForScreen(app, "PAUSED")
        backend.pending = [.key(.char("p")), .key(.char("c")), .key(.char("y"))]
        _ = app.step()
        XCTAssertEqual(app.job?.control.isPaused, false)
        spin(app) { $0.state.live?.runs[RunID(strategy: "Default", run: 0)]?.state == .cancelled }
        spin(app) { ($0.state.live?.runs.count ?? 0) >= 2 }
        backend.pending = [.key(.char("C")), .key(.char("y"))]
        spin(app) { $0.state.training == .cancelled }
        XCTAssertLessThan(app.state.live!.runs.count, 6)
    }

    func testQuitWhileTrainingAsksThenStopsAndExits() throws {
        let backend = MemoryBackend(width: 100, height: 30, input: [.key(.char("s"))])
        let app = TerminalApp(env: try env(driver: SyntheticDriver(delayPerStep: 0.002, stepsPerRun: 2000)), backend: backend)
        spin(app) { ($0.state.live?.runs.count ?? 0) > 0 }
        backend.pending = [.key(.ctrl("c"))]
        waitForScreen(app, "Quit while training?")
        backend.pending = [.key(.char("y"))]
        XCTAssertEqual(spin(app) { _ in false }, 0)
        XCTAssertTrue(app.job == nil || app.job?.outcome != nil)
    }

    func testSignalStopsTrainingAndExitsWithItsCode() throws {
        let backend = MemoryBackend(width: 100, height: 30, input: [.key(.char("s"))])
        let app = TerminalApp(env: try env(driver: SyntheticDriver(delayPerStep: 0.002, stepsPerRun: 2000)), backend: backend)
        spin(app) { ($0.state.live?.runs.count ?? 0) > 0 }
        Signals.pending.store(SIGTERM, ordering: .relaxed)
        XCTAssertEqual(spin(app) { _ in false }, 128 + SIGTERM)
    }

    func testDriverFailureIsShownNotThrown() throws {
        final class Refusing: ExperimentDriver {
            struct E: Error, CustomStringConvertible { var description: String { "training engine not wired yet" } }
            func run(_ config: ExperimentConfig, sink: EventSink, control: RunControl) throws { throw E() }
        }
        let backend = MemoryBackend(width: 100, height: 30, input: [.key(.char("s"))])
        let app = TerminalApp(env: try env(driver: Refusing()), backend: backend)
        spin(app) { $0.state.training == .failed("training engine not wired yet") }
        waitForScreen(app, "Training stopped")
        XCTAssertTrue(backend.screenText.contains("training engine not wired yet"))
    }

    func testBrokenSessionShowsMessageAndGoodOneReplays() throws {
        let catalog = MemoryCatalog(sessions: ["good": Fixture.session], broken: ["bad"])
        let backend = MemoryBackend(width: 120, height: 40, input: [.key(.char("4")), .key(.enter)])
        let app = TerminalApp(env: try env(catalog: catalog), backend: backend)
        spin(app) { $0.state.overlay != nil }
        XCTAssertTrue(backend.screenText.contains("Cannot open session 'bad'"))
        XCTAssertTrue(backend.screenText.contains("events.jsonl line 7"))
        backend.pending = [.key(.escape), .key(.char("j")), .key(.enter), .key(.char("i"))]
        spin(app) { $0.state.replay?.atEnd == true }
        waitForScreen(app, "replay end 1×")
    }

    func testResizeStormAndTinyTerminal() throws {
        var storm: [TerminalInput] = []
        for i in 0..<200 { storm.append(.resize(width: (i * 37) % 240, height: (i * 11) % 70)) }
        storm += [.resize(width: 20, height: 5)]
        let backend = MemoryBackend(width: 120, height: 40, input: storm)
        let app = TerminalApp(env: try env(), backend: backend)
        _ = app.step()
        XCTAssertEqual(backend.presented?.width, 20)
        XCTAssertTrue(backend.screenText.contains("terminal too small"))
        backend.pending = [.resize(width: 90, height: 30)]
        _ = app.step()
        XCTAssertTrue(backend.screenText.contains("Experiment name"))
    }

    func testRedrawsOnlyOnChange() throws {
        let backend = MemoryBackend(width: 100, height: 30)
        let app = TerminalApp(env: try env(), backend: backend)
        for _ in 0..<5 { _ = app.step() }
        let frames = backend.frames
        for _ in 0..<5 { _ = app.step() }
        XCTAssertEqual(backend.frames, frames, "idle: no redraw")
        backend.pending = [.key(.char("j"))]
        _ = app.step()
        XCTAssertEqual(backend.frames, frames + 1, "a key redraws at once")
    }

    func testPresetSaveAndReload() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deni-ui-presets-\(UUID().uuidString)")
        let backend = MemoryBackend(width: 100, height: 30, input: [.key(.char("W"))])
        let app = TerminalApp(env: try env(presets: dir), backend: backend)
        _ = app.step()
        XCTAssertEqual(app.state.setup.message, "saved preset 'fixture'")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("fixture.json").path))
        try Data("{ not json".utf8).write(to: dir.appendingPathComponent("broken.json"))
        let again = TerminalApp(env: try env(presets: dir), backend: MemoryBackend(width: 100, height: 30))
        XCTAssertEqual(again.state.setup.presets.map(\.name), ["paper defaults", "quick look (minutes)", "fixture"])
        XCTAssertEqual(again.state.setup.presets.last?.config, Fixture.config)
        XCTAssertTrue(again.state.setup.message?.contains("broken.json") == true)
    }

    func testBenchmarkReportsFigures() {
        let b = uiBenchmark()
        for key in ["render_ms_200x60", "render_ms_200x60_per_run_mode", "reducer_events_per_s"] {
            XCTAssertNotNil(b[key]); XCTAssertTrue(b[key]!.isFinite && b[key]! > 0, key)
        }
        print("uiBenchmark (debug build):", b.sorted { $0.key < $1.key }.map { "\($0.key)=\(LineChart.fmt($0.value, 2))" }.joined(separator: " "))
    }
}
