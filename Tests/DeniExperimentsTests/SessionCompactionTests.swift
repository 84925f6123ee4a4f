import DeniCore
import DeniTraining
import Foundation
import XCTest
@testable import DeniExperiments

final class SessionCompactionTests: XCTestCase {
    /// One run attempt: start, `steps` steps of `perEpoch` per epoch (epochs from 1), an evaluation per epoch,
    /// and an end when `finished`.
    func attempt(_ id: RunID, steps: Int, perEpoch: Int, finished: Bool, f1: Double = 80) -> [TrainingEvent] {
        var events: [TrainingEvent] = [.runStart(id: id, seeds: Seeds(all: 1), totalSteps: steps, trainExamples: 64, time: 0)]
        for s in 1...steps {
            events.append(.step(id: id, step: s, epoch: (s - 1) / perEpoch + 1, loss: 2 / Double(s), learningRate: 1e-4, time: Double(s)))
            if s % perEpoch == 0 || s == steps {
                events.append(.evaluation(id: id, step: s, accuracy: 70 + Double(s) / 10, macroF1: 60 + Double(s) / 10, loss: 0.5, subset: true, time: Double(s)))
            }
        }
        if finished {
            events.append(.runEnd(id: id, status: .finished, metrics: Fixtures.metrics(f1), cost: CostCounters(modelSteps: steps, trainingFLOPs: 1e9, inferencePasses: 1, wallSeconds: Double(steps), peakMemoryBytes: 1),
                                  failure: nil, step: steps, time: Double(steps)))
        }
        return events
    }

    func stepsKept(_ events: [TrainingEvent], _ id: RunID) -> [Int] {
        events.compactMap { if case let .step(i, s, _, _, _, _) = $0, i == id { s } else { nil } }
    }

    func testKeepsStrideEpochEndsAndEveryOtherLineByteForByte() throws {
        let parent = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let w = try Fixtures.writer(in: parent, config: Fixtures.config(runs: 1, strategies: [.standard, .deni]))
        let a = RunID(strategy: "Default", run: 0), b = RunID(strategy: "DENI", run: 0)
        // Run a was interrupted after 5 steps and re-run from the start (a resumed experiment).
        for e in attempt(a, steps: 5, perEpoch: 8, finished: false) + attempt(a, steps: 25, perEpoch: 8, finished: true, f1: 81)
            + attempt(b, steps: 25, perEpoch: 8, finished: true, f1: 83) { w.publish(e) }
        try w.finish(summary: ResultsTable(baseline: "Default", rows: []))
        let events = w.folder.appendingPathComponent(SessionFormat.eventsFile)
        // A line this build cannot decode and an unknown kind survive untouched.
        let handle = try FileHandle(forWritingTo: events)
        handle.seekToEndOfFile()
        handle.write(Data("not json at all\n{\"kind\":\"future_kind\",\"x\":1}\n".utf8))
        try handle.close()
        let before = try SessionReader.read(w.folder)
        let beforeLines = try String(contentsOf: events, encoding: .utf8).split(separator: "\n")

        let report = try SessionCompaction.compact(w.folder, stepsEvery: 10)
        let after = try SessionReader.read(w.folder)
        // Attempt 1 of a keeps its last step (5); full attempts keep 10, 20 and each epoch's last step 8, 16, 24, 25.
        XCTAssertEqual(stepsKept(after.events, a), [5, 8, 10, 16, 20, 24, 25])
        XCTAssertEqual(stepsKept(after.events, b), [8, 10, 16, 20, 24, 25])
        XCTAssertEqual(report.stepsDropped, (5 + 25 + 25) - 13)
        // Every kept line is an original line, in the original order; only step lines went.
        let afterLines = try String(contentsOf: events, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(report.linesBefore, beforeLines.count)
        XCTAssertEqual(report.linesAfter, afterLines.count)
        XCTAssertEqual(report.bytesAfter, try Data(contentsOf: events).count)
        XCTAssertLessThan(report.bytesAfter, report.bytesBefore)
        var i = 0
        for line in beforeLines where i < afterLines.count && line == afterLines[i] { i += 1 }
        XCTAssertEqual(i, afterLines.count, "the compacted log is a subsequence of the original")
        let nonStep = { (e: [TrainingEvent]) in e.filter { if case .step = $0 { false } else { true } } }
        XCTAssertEqual(nonStep(after.events), nonStep(before.events))
        XCTAssertEqual(after.diagnostics.garbageLineCount, 1)
        XCTAssertEqual(after.diagnostics.unknownKinds, ["future_kind": 1])
        XCTAssertEqual(after.derivedResults(), before.derivedResults())
        XCTAssertEqual(after.manifest.stepEventsEvery, 10)
        XCTAssertEqual(after.manifest.summary, before.manifest.summary)
        XCTAssertEqual(after.status, .finished)

        // Again with the same stride: nothing changes. A stride that is not a multiple of 10 is refused.
        let again = try SessionCompaction.compact(w.folder, stepsEvery: 10)
        XCTAssertEqual(again.stepsDropped, 0)
        XCTAssertEqual(try String(contentsOf: events, encoding: .utf8).split(separator: "\n"), afterLines)
        XCTAssertThrowsError(try SessionCompaction.compact(w.folder, stepsEvery: 15)) {
            guard case .refused(_, let reason)? = $0 as? SessionError else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("multiple of 10"), reason)
        }
        XCTAssertEqual(try SessionCompaction.compact(w.folder, stepsEvery: 20).stepsDropped, 2, "10 goes, 20 and epoch ends stay (both runs)")
        XCTAssertEqual(stepsKept(try SessionReader.read(w.folder).events, b), [8, 16, 20, 24, 25])
    }

    func testLiveWriterAndBadStrideAreRefusedWithoutTouchingTheLog() throws {
        let parent = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let w = try Fixtures.writer(in: parent)
        for e in Fixtures.run("Default", 0, f1: 80, steps: 30) { w.publish(e) }
        let events = w.folder.appendingPathComponent(SessionFormat.eventsFile)
        let original = try Data(contentsOf: events)
        XCTAssertThrowsError(try SessionCompaction.compact(w.folder, stepsEvery: 10)) {
            guard case .locked(_, let pid, _)? = $0 as? SessionError else { return XCTFail("\($0)") }
            XCTAssertEqual(pid, getpid())
        }
        try w.markInterrupted()
        XCTAssertThrowsError(try SessionCompaction.compact(w.folder, stepsEvery: 0)) {
            guard case .refused? = $0 as? SessionError else { return XCTFail("\($0)") }
        }
        XCTAssertEqual(try Data(contentsOf: events), original)
        XCTAssertNil(try SessionReader.readManifest(w.folder).stepEventsEvery)
        // Once the writer is gone the interrupted session compacts and can be resumed.
        XCTAssertEqual(try SessionCompaction.compact(w.folder, stepsEvery: 10).stepsDropped, 27)
        let resumed = try SessionWriter.resume(w.folder)
        XCTAssertEqual(try SessionReader.finishedRuns(in: w.folder), [RunID(strategy: "Default", run: 0)])
        try resumed.markInterrupted()
        XCTAssertEqual(try SessionReader.readManifest(w.folder).stepEventsEvery, 10, "resuming keeps the recorded stride")
    }
}
