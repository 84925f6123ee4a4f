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
