import DeniTraining
import Foundation
import XCTest
@testable import DeniExperiments

/// Session recording as every front end uses it (`deni run`, `deni resume`, the UI's RecordingDriver), driven by
/// a scripted driver instead of the engine.
final class RecordingTests: XCTestCase {
    var parent: URL!
    override func setUpWithError() throws { parent = try Fixtures.temporaryFolder(name) }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: parent) }

    /// Publishes `Fixtures.run` events run-major, like the runner; can cancel after some runs or throw at one.
    final class ScriptedDriver: ExperimentDriver, @unchecked Sendable {
        var cancelAfter: Int?
        var failAt: Int?
        var skip: Set<RunID> = []
        /// Called before each run with the number of runs done so far.
        var beforeRun: ((Int) -> Void)?
        private(set) var ran: [RunID] = []
        struct Failure: Error, CustomStringConvertible { var description: String { "scripted failure" } }

        func run(_ config: ExperimentConfig, sink: EventSink, control: RunControl) throws {
            for run in 0..<config.runs {
                for s in config.strategies {
                    let id = RunID(strategy: s.label, run: run)
                    if skip.contains(id) { continue }
                    if ran.count == failAt { throw Failure() }
                    if ran.count == cancelAfter { control.cancelAll() }
                    if control.isCancelled { return }
                    beforeRun?(ran.count)
                    for e in Fixtures.run(s.label, run, f1: 70 + Double(run) + (s.kind == .deni ? 1 : 0)) { sink.publish(e) }
                    ran.append(id)
                }
            }
        }
    }

    func start(_ config: ExperimentConfig) throws -> SessionWriter {
        try SessionRecording.start(config, sessions: parent, modelIdentity: Fixtures.model, datasetIdentity: Fixtures.dataset)
    }

    func testRecordsEveryEventToTheSessionAndTheSinkAndDerivesTheSummary() throws {
        let config = Fixtures.config(runs: 3)
        let writer = try start(config)
        let sink = EventCollector()
        let outcome = try SessionRecording.record(config, writer: writer, driver: ScriptedDriver(), sink: sink, control: RunControl())
        let recorded = try SessionReader.read(writer.folder)
        XCTAssertEqual(recorded.status, .finished)
        XCTAssertEqual(recorded.events, sink.all, "the sink and the session see the same events in the same order")
        XCTAssertEqual(recorded.finishedRuns.count, 6)
        guard case .finished(let table) = outcome else { return XCTFail("not finished: \(outcome)") }
        XCTAssertEqual(recorded.manifest.summary, table)
        XCTAssertEqual(table, recorded.derivedResults())
        XCTAssertEqual(table.rows.map(\.strategy), ["Default", "DENI"])
        XCTAssertEqual(table.rows[1].significance?.meanDifference.estimate ?? .nan, 1, accuracy: 1e-12)
        // config.json is the config as run, in the format `deni run --config` reads.
        let saved = try ExperimentConfig.load(writer.folder.appendingPathComponent("config.json"))
        XCTAssertEqual(saved, config)
    }

    func testCancellationLeavesAResumableSessionThatResumesToTheSameResults() throws {
        let config = Fixtures.config(runs: 3)
        let writer = try start(config)
        let first = ScriptedDriver()
        first.cancelAfter = 3
        XCTAssertEqual(try SessionRecording.record(config, writer: writer, driver: first, sink: EventCollector(), control: RunControl()), .interrupted)
        XCTAssertEqual(try SessionReader.read(writer.folder).status, .interrupted)

        let model = try Fixtures.temporaryFolder("model")
        defer { try? FileManager.default.removeItem(at: model) }
        // Data that changed since the session was recorded is refused, naming it; the recorded data resumes.
        var changed = Fixtures.dataset
        changed.filesHash = "sha256:def"
        XCTAssertThrowsError(try SessionRecording.resume(writer.folder, model: model, data: parent, identities: { _, _ in (Fixtures.model, changed) })) {
            XCTAssertTrue("\($0)".contains("is not the one this session recorded"), "\($0)")
        }
        guard case let .resume(again, runner, resumedConfig, done, planned) = try SessionRecording.resume(writer.folder, model: model, data: parent,
                                                                                                           identities: { _, _ in (Fixtures.model, Fixtures.dataset) }) else {
            return XCTFail("an interrupted session must resume")
        }
        XCTAssertEqual([done, planned], [3, 6])
        XCTAssertEqual(resumedConfig, config)
        XCTAssertEqual(runner.modelDirectory, model, "an explicit model folder wins over the recorded one")
        XCTAssertEqual(runner.skip, Set(first.ran))
        let second = ScriptedDriver()
        second.skip = runner.skip
        guard case .finished(let resumed) = try SessionRecording.record(config, writer: again, driver: second, sink: EventCollector(), control: RunControl()) else {
            return XCTFail("resumed session did not finish")
        }
        XCTAssertEqual(second.ran.count, 3)

        let straight = try start(config)
        guard case .finished(let uninterrupted) = try SessionRecording.record(config, writer: straight, driver: ScriptedDriver(), sink: EventCollector(), control: RunControl()) else {
            return XCTFail("not finished")
        }
        XCTAssertEqual(resumed, uninterrupted)
        guard case let .finished(d, p) = try SessionRecording.resume(straight.folder, model: nil, data: parent, identities: { _, _ in (Fixtures.model, Fixtures.dataset) }) else {
            return XCTFail("a finished session has nothing to resume")
        }
        XCTAssertEqual([d, p], [6, 6])
    }

    func testAFailureMarksTheSessionFailedAndIsRethrown() throws {
        let config = Fixtures.config(runs: 2)
        let writer = try start(config)
        let driver = ScriptedDriver()
        driver.failAt = 1
        XCTAssertThrowsError(try SessionRecording.record(config, writer: writer, driver: driver, sink: EventCollector(), control: RunControl())) {
            XCTAssertEqual("\($0)", "scripted failure")
        }
        let recorded = try SessionReader.read(writer.folder)
        XCTAssertEqual(recorded.status, .failed)
        XCTAssertEqual(recorded.finishedRuns, [RunID(strategy: "Default", run: 0)], "what ran before the failure is kept")
    }

    /// Points this process's descriptor of `file` at /dev/full, where every write fails with ENOSPC: a disk that
    /// fills up under a writer that already has the file open.
    static func fillDisk(under file: URL) throws {
        let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap(Int32.init)
        guard let fd = fds.first(where: { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == file.path }) else {
            throw CocoaError(.fileNoSuchFile)
        }
        let full = open("/dev/full", O_WRONLY)
        XCTAssertGreaterThanOrEqual(full, 0)
        XCTAssertEqual(dup2(full, fd), fd)
        close(full)
    }

    /// A write the disk refuses stops the experiment at once (today's main trained on to the end with its events
    /// thrown away); the error names the file and the cause, what was written stays, and the session resumes.
    func testAFailedWriteStopsTheExperimentAtOnceAndTheSessionStaysResumable() throws {
        let config = Fixtures.config(runs: 10)
        let writer = try start(config)
        let events = writer.folder.appendingPathComponent("events.jsonl")
        let driver = ScriptedDriver()
        driver.beforeRun = { done in
            guard done == 3 else { return }
            do { try Self.fillDisk(under: events) } catch { XCTFail("cannot fill the disk: \(error)") }
        }
        XCTAssertThrowsError(try SessionRecording.record(config, writer: writer, driver: driver, sink: EventCollector(), control: RunControl())) {
            XCTAssertEqual("\($0)", "disk full while writing events.jsonl line \(3 * Fixtures.run("Default", 0, f1: 1).count + 1) at \(events.path)")
        }
        XCTAssertEqual(driver.ran.count, 4, "the run the failed write belonged to is the last one")
        let recorded = try SessionReader.read(writer.folder)
        XCTAssertEqual(recorded.status, .failed)
        XCTAssertTrue(recorded.manifest.failure?.contains("disk full") ?? false, "\(recorded.manifest.failure ?? "no failure")")
        XCTAssertEqual(recorded.finishedRuns.count, 3)
        guard case let .resume(_, _, _, done, planned) = try SessionRecording.resume(writer.folder, model: parent, data: parent,
                                                                                     identities: { _, _ in (Fixtures.model, Fixtures.dataset) }) else {
            return XCTFail("a session stopped by a failed write must resume")
        }
        XCTAssertEqual([done, planned], [3, 20])
    }

    /// A session the disk refuses to set up (its manifest over a 64-byte file-size limit, so every write past it
    /// fails with EFBIG) is not left behind as a half-made folder (today's main left it), and the error names the file.
    func testASessionThatCannotBeSetUpLeavesNoFolder() throws {
        let resource = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
        var saved = rlimit()
        XCTAssertEqual(getrlimit(resource, &saved), 0)
        var small = saved
        small.rlim_cur = 64
        let handler = signal(SIGXFSZ, SIG_IGN)
        XCTAssertEqual(setrlimit(resource, &small), 0)
        XCTAssertThrowsError(try start(Fixtures.config())) {
            XCTAssertTrue("\($0)".contains("manifest.json"), "\($0)")
            XCTAssertTrue("\($0)".contains("writing the manifest"), "\($0)")
        }
        XCTAssertEqual(setrlimit(resource, &saved), 0)
        signal(SIGXFSZ, handler)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent.path), [])
    }

    func testRecordingDriverRefusesAMissingModelBeforeCreatingASession() throws {
        let driver = RecordingDriver(runner: ExperimentRunner(dataDirectory: parent, modelDirectory: parent.appendingPathComponent("no-model")),
                                     sessions: parent.appendingPathComponent("sessions"))
        XCTAssertThrowsError(try driver.run(Fixtures.config(), sink: EventCollector(), control: RunControl())) {
            XCTAssertTrue("\($0)".hasPrefix("no model at \(parent.path)/no-model"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: parent.appendingPathComponent("sessions").path))
    }

    func testFanOutDeliversEveryEventToEverySinkInOrder() {
        let a = EventCollector(), b = EventCollector()
        let events = Fixtures.run("Default", 0, f1: 50)
        let fan = FanOut([a, b])
        for e in events { fan.publish(e) }
        XCTAssertEqual(a.all, events)
        XCTAssertEqual(b.all, events)
    }
}
