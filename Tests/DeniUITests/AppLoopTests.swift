import XCTest
import DeniCore
import DeniExperiments
import DeniTraining
@testable import DeniUI

/// The app loop with an in-memory terminal and a synthetic driver on the background queue.
final class AppLoopTests: XCTestCase {
    func env(driver: any ExperimentDriver = SyntheticDriver(delayPerStep: 0, stepsPerRun: 30),
             catalog: any SessionStore = MemoryCatalog(sessions: [:]), presets: URL? = nil) throws -> UIEnvironment {
        UIEnvironment(driver: driver, sessions: catalog, datasets: Fixture.datasets, initialConfig: Fixture.config,
                      modelPath: try Fixture.modelFolder(), dataDirectory: ProjectPaths.data(), presetsDirectory: presets)
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

    /// The Sessions browser on a real sessions folder (a copy of an example session): tags reach meta.json, a
    /// rename moves the folder, e loads the recorded config into Setup, R on a finished session says there is
    /// nothing to resume, D (after y) moves the folder into .trash/.
    func testSessionOperationsReachTheFolder() throws {
        let examples = try XCTUnwrap(ProjectPaths.root).appendingPathComponent("sessions/examples")
        let name = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: examples.path).sorted().first {
            FileManager.default.fileExists(atPath: examples.appendingPathComponent($0).appendingPathComponent("manifest.json").path)
        })
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("deni-ui-sessions-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tmp) }
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: examples.appendingPathComponent(name), to: tmp.appendingPathComponent(name))
        func keys(_ text: String) -> [TerminalInput] { text.map { .key(.char($0)) } }
        let backend = MemoryBackend(width: 140, height: 48, input: [.key(.char("4")), .key(.char("t"))] + keys("paper") + [.key(.enter)])
        let app = TerminalApp(env: try env(catalog: StoredSessions(folder: tmp)), backend: backend)
        spin(app) { $0.state.sessions.listings.first?.tags == ["paper"] }
        XCTAssertEqual(try SessionMeta.read(tmp.appendingPathComponent(name)).tags, ["paper"])
        backend.pending = [.key(.char("N")), .key(.ctrl("u"))] + keys("kept") + [.key(.enter)]
        spin(app) { $0.state.sessions.listings.first?.name == "kept" }
        XCTAssertTrue(FileManager.default.fileExists(atPath: tmp.appendingPathComponent("kept/manifest.json").path))
        let recorded = try SessionReader.read(tmp.appendingPathComponent("kept")).config
        backend.pending = [.key(.char("e"))]
        spin(app) { $0.state.screen == .setup }
        XCTAssertEqual(app.state.setup.config, recorded)
        backend.pending = [.key(.char("4")), .key(.char("R"))]
        spin(app) { $0.state.overlay != nil }
        XCTAssertEqual(app.state.overlay, .message(title: "Nothing to resume", text: "kept is already finished (\(recorded.runs * recorded.strategies.count)/\(recorded.runs * recorded.strategies.count) runs): nothing to resume"))
        backend.pending = [.key(.escape), .key(.char("D")), .key(.char("y"))]
        spin(app) { $0.state.sessions.listings.isEmpty && $0.state.sessions.notice != nil }
        XCTAssertTrue(FileManager.default.fileExists(atPath: tmp.appendingPathComponent(".trash/kept/manifest.json").path))
        waitForScreen(app, "No saved sessions yet")
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
