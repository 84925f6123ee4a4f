import DeniTraining
import Foundation
import XCTest
@testable import DeniExperiments

final class SessionWriterReaderTests: XCTestCase {
    var parent: URL!
    override func setUpWithError() throws { parent = try Fixtures.temporaryFolder(name) }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: parent) }

    func eventsURL(_ w: SessionWriter) -> URL { w.folder.appendingPathComponent(SessionFormat.eventsFile) }

    func append(_ text: String, to url: URL) throws {
        let h = try FileHandle(forWritingTo: url)
        try h.seekToEnd()
        try h.write(contentsOf: Data(text.utf8))
        try h.close()
    }

    func testEveryEventKindRoundTrips() throws {
        let w = try Fixtures.writer(in: parent)
        let nanStep = TrainingEvent.step(id: RunID(strategy: "Default", run: 1), step: 2, epoch: 0, loss: .nan, learningRate: 1e-4, time: 1)
        let infStep = TrainingEvent.step(id: RunID(strategy: "Default", run: 1), step: 3, epoch: 0, loss: .infinity, learningRate: 1e-4, time: 1)
        for e in Fixtures.everyKind + [nanStep, infStep] { w.publish(e) }
        XCTAssertEqual(Set(Fixtures.everyKind.map(\.kind)), ["run_start", "step", "evaluation", "phase", "cost", "run_end", "log"])
        try w.finish(summary: ResultsTable(baseline: "Default", rows: []))
        XCTAssertNil(w.writeError)

        let s = try SessionReader.read(w.folder)
        XCTAssertEqual(Array(s.events.prefix(Fixtures.everyKind.count)), Fixtures.everyKind)
        guard case let .step(_, _, _, nanLoss, _, _) = s.events[8], case let .step(_, _, _, infLoss, _, _) = s.events[9] else {
            return XCTFail("non-finite steps not read back")
        }
        XCTAssertTrue(nanLoss.isNaN)
        XCTAssertEqual(infLoss, .infinity)
        XCTAssertTrue(s.diagnostics.isClean)
        XCTAssertEqual(s.diagnostics.events, 10)
        XCTAssertEqual(s.status, .finished)
        XCTAssertEqual(s.manifest.config, Fixtures.config())
        XCTAssertEqual(s.manifest.dataset, Fixtures.dataset)
        XCTAssertEqual(s.manifest.summary, ResultsTable(baseline: "Default", rows: []))
        XCTAssertFalse(FileManager.default.fileExists(atPath: w.folder.appendingPathComponent(SessionFormat.lockFile).path))
        // Each line is one JSON object with sorted keys.
        let lines = try String(contentsOf: eventsURL(w), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 10)
        XCTAssertTrue(lines[0].hasPrefix("{\"kind\":\"run_start\""))
    }

    func testFolderNameCarriesTimeAndNameAndStaysUnique() throws {
        let now = Date(timeIntervalSince1970: 1_767_268_800)  // 2026-01-01 12:00:00 UTC
        let utc = TimeZone(identifier: "UTC")!
        let a = try SessionWriter.create(in: parent, config: Fixtures.config(), modelIdentity: Fixtures.model, datasetIdentity: Fixtures.dataset,
                                         machine: Fixtures.machine, now: now, timeZone: utc)
        let b = try SessionWriter.create(in: parent, config: Fixtures.config(), modelIdentity: Fixtures.model, datasetIdentity: Fixtures.dataset,
                                         machine: Fixtures.machine, now: now, timeZone: utc)
        XCTAssertEqual(a.folder.lastPathComponent, "20260101-120000-unit-test")
        XCTAssertEqual(b.folder.lastPathComponent, "20260101-120000-unit-test-2")
        XCTAssertEqual(SessionFormat.folderName(date: now, name: "../a b/c", timeZone: utc), "20260101-120000-a-b-c")
    }

    func testTornTailAndGarbageLinesAreSkippedWithLineNumbers() throws {
        let w = try Fixtures.writer(in: parent)
        let run = Fixtures.run("Default", 0, f1: 70)
        for e in run.prefix(3) { w.publish(e) }
        try append("this is not json\n{\"kind\":\"step\",\"strategy\":\"Default\"}\n\n", to: eventsURL(w))
        let tail = run.dropFirst(3)
        for e in tail { try append(String(decoding: try SessionFormat.encoder(pretty: false).encode(e), as: UTF8.self) + "\n", to: eventsURL(w)) }
        try append("{\"kind\":\"step\",\"strategy\":\"Def", to: eventsURL(w))

        let s = try SessionReader.read(w.folder)
        XCTAssertEqual(s.events, run)
        XCTAssertEqual(s.diagnostics.garbageLineCount, 3)
        XCTAssertEqual(s.diagnostics.garbageLines.map(\.line), [4, 5, 6])
        XCTAssertEqual(s.diagnostics.garbageLines[0].reason, "not valid JSON")
        XCTAssertEqual(s.diagnostics.garbageLines[1].reason, "missing field 'run'")
        XCTAssertEqual(s.diagnostics.garbageLines[2].reason, "blank line")
        XCTAssertTrue(s.diagnostics.tornTail)
        XCTAssertEqual(s.diagnostics.lines, 3 + 3 + tail.count + 1)
        XCTAssertTrue(s.diagnostics.messages.contains { $0.contains("torn last line") })
    }

    func testCompleteLastLineWithoutNewlineIsKept() throws {
        let w = try Fixtures.writer(in: parent)
        let e = Fixtures.everyKind[1]
        try append(String(decoding: try SessionFormat.encoder(pretty: false).encode(e), as: UTF8.self), to: eventsURL(w))
        let s = try SessionReader.read(w.folder)
        XCTAssertEqual(s.events, [e])
        XCTAssertTrue(s.diagnostics.isClean)
    }

    func testUnknownKindsAreSkippedAndCounted() throws {
        let w = try Fixtures.writer(in: parent)
        w.publish(Fixtures.everyKind[0])
        try append("{\"kind\":\"gradient_norm\",\"value\":3}\n{\"kind\":\"gradient_norm\",\"value\":4}\n{\"kind\":\"vote\"}\n", to: eventsURL(w))
        w.publish(Fixtures.everyKind[1])
        let s = try SessionReader.read(w.folder)
        XCTAssertEqual(s.events, Array(Fixtures.everyKind.prefix(2)))
        XCTAssertEqual(s.diagnostics.unknownKinds, ["gradient_norm": 2, "vote": 1])
        XCTAssertEqual(s.diagnostics.garbageLineCount, 0)
    }

    func testOverlongLineIsSkippedWithoutBreakingTheRest() throws {
        let w = try Fixtures.writer(in: parent)
        w.publish(Fixtures.everyKind[0])
        try append(String(repeating: "x", count: SessionReader.maxLineBytes + 10) + "\n", to: eventsURL(w))
        w.publish(Fixtures.everyKind[1])
        let s = try SessionReader.read(w.folder)
        XCTAssertEqual(s.events, Array(Fixtures.everyKind.prefix(2)))
        XCTAssertEqual(s.diagnostics.garbageLines.first?.line, 2)
        XCTAssertTrue(s.diagnostics.garbageLines.first?.reason.hasPrefix("longer than") ?? false)
    }

    func testNewerSchemaIsRefusedClearly() throws {
        let w = try Fixtures.writer(in: parent)
        try w.finish(summary: ResultsTable(baseline: nil, rows: []))
        let url = w.folder.appendingPathComponent(SessionFormat.manifestFile)
        let text = try String(contentsOf: url, encoding: .utf8)
        try text.replacingOccurrences(of: "\"schemaVersion\" : 1", with: "\"schemaVersion\" : 7").write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SessionReader.read(w.folder)) { error in
            XCTAssertEqual(error as? SessionError, .newerSchema(path: url.path, what: "session", found: 7, supported: 1))
            XCTAssertTrue("\(error)".contains("newer than this deni understands"))
        }
        try text.replacingOccurrences(of: "\"eventSchemaVersion\" : 1", with: "\"eventSchemaVersion\" : 3").write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SessionReader.read(w.folder)) { error in
            XCTAssertEqual(error as? SessionError, .newerSchema(path: url.path, what: "event", found: 3, supported: EventSchema.version))
        }
    }

    func testVersion1ManifestStillDecodes() throws {
        let m = try SessionReader.decodeManifest(Data(ManifestV1Fixture.json.utf8), path: "fixture")
        XCTAssertEqual(m.schemaVersion, 1)
        XCTAssertEqual(m.status, .finished)
        XCTAssertEqual(m.config.strategies.map(\.kind), [.standard, .deni])
        XCTAssertEqual(m.config.runs, 2)
        XCTAssertEqual(m.dataset.classCount, 6)
        XCTAssertEqual(m.created, Date(timeIntervalSince1970: 1_767_268_800))
        XCTAssertEqual(m.summary?.rows.map(\.strategy), ["Default", "DENI"])
        XCTAssertEqual(m.summary?.rows[1].significance?.wilcoxonP, 0.5)
    }

    func testFoldersThatAreNotSessions() throws {
        let empty = parent.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        XCTAssertThrowsError(try SessionReader.read(empty)) {
            XCTAssertEqual($0 as? SessionError, .notASession(path: empty.path, reason: "no manifest.json"))
        }
        let missing = parent.appendingPathComponent("missing")
        XCTAssertThrowsError(try SessionReader.read(missing)) { XCTAssertEqual($0 as? SessionError, .notFound(path: missing.path)) }
        let file = parent.appendingPathComponent("file.txt")
        try "hello".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SessionReader.read(file)) { XCTAssertEqual($0 as? SessionError, .notASession(path: file.path, reason: "not a folder")) }
        let other = parent.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try "{\"name\": \"package\"}".write(to: other.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SessionReader.read(other)) { error in
            XCTAssertEqual(error as? SessionError, .notASession(path: other.appendingPathComponent("manifest.json").path, reason: "no schemaVersion field"))
        }
        try "not json".write(to: other.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SessionReader.read(other)) { error in
            guard case .notASession(_, let reason)? = error as? SessionError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.hasPrefix("not a JSON object"))
        }
    }

    func testManifestIsReplacedAtomically() throws {
        let w = try Fixtures.writer(in: parent)
        let url = w.folder.appendingPathComponent(SessionFormat.manifestFile)
        XCTAssertEqual(try SessionReader.readManifest(w.folder).status, .running)
        let inodeBefore = try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? NSNumber
        // A temp file left behind by a crash mid-replacement does not disturb readers.
        try "{ half written".write(to: URL(fileURLWithPath: url.path + ".tmp"), atomically: false, encoding: .utf8)
        XCTAssertEqual(try SessionReader.readManifest(w.folder).status, .running)
        w.publish(Fixtures.everyKind[0])
        let table = ResultsTable(baseline: "Default", rows: [])
        try w.finish(summary: table)
        let inodeAfter = try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? NSNumber
        XCTAssertNotEqual(inodeBefore, inodeAfter, "the manifest is replaced by rename, not rewritten in place")
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path + ".tmp"))
        let m = try SessionReader.readManifest(w.folder)
        XCTAssertEqual(m.status, .finished)
        XCTAssertEqual(m.summary, table)
        XCTAssertThrowsError(try w.markInterrupted()) { XCTAssertEqual($0 as? SessionError, .closed(path: w.folder.path)) }
        w.publish(Fixtures.everyKind[1])  // dropped after closing
        XCTAssertEqual(try SessionReader.read(w.folder).events.count, 1)
    }

    func testRunningSessionWithoutLiveWriterReadsAsInterrupted() throws {
        let w = try Fixtures.writer(in: parent)
        w.publish(Fixtures.everyKind[0])
        XCTAssertEqual(try SessionReader.read(w.folder).status, .running, "this process holds the lock")
        let done = Process()
        done.executableURL = URL(fileURLWithPath: "/bin/true")
        try done.run()
        done.waitUntilExit()
        let lock = w.folder.appendingPathComponent(SessionFormat.lockFile)
        try "\(done.processIdentifier) \(ProcessInfo.processInfo.hostName)\n".write(to: lock, atomically: true, encoding: .utf8)
        let s = try SessionReader.read(w.folder)
        XCTAssertEqual(s.manifest.status, .running)
        XCTAssertEqual(s.status, .interrupted)
        try FileManager.default.removeItem(at: lock)
        XCTAssertEqual(try SessionReader.read(w.folder).status, .interrupted)
    }

    func testMarkFailedAndInterruptedRecordStatus() throws {
        let a = try Fixtures.writer(in: parent)
        try a.markFailed("tokenizer: vocab.txt missing")
        let m = try SessionReader.readManifest(a.folder)
        XCTAssertEqual(m.status, .failed)
        XCTAssertEqual(m.failure, "tokenizer: vocab.txt missing")
        let b = try Fixtures.writer(in: parent)
        try b.markInterrupted()
        XCTAssertEqual(try SessionReader.read(b.folder).status, .interrupted)
    }

    func testResumeCutsTornTailAndKnowsFinishedRuns() throws {
        let w = try Fixtures.writer(in: parent)
        for e in Fixtures.run("Default", 0, f1: 70) + Fixtures.run("Default", 1, f1: nil, status: .failed) { w.publish(e) }
        for e in Fixtures.run("DENI", 0, f1: 75).prefix(4) { w.publish(e) }
        let written = w.eventCount
        try append("{\"kind\":\"step\",\"stra", to: eventsURL(w))
        XCTAssertThrowsError(try SessionWriter.resume(w.folder)) { XCTAssertTrue($0 is SessionError, "a live lock refuses resuming") }
        try w.markInterrupted()

        XCTAssertEqual(try SessionReader.finishedRuns(in: w.folder), [RunID(strategy: "Default", run: 0)])
        let r = try SessionWriter.resume(w.folder)
        XCTAssertEqual(r.eventCount, written)
        XCTAssertEqual(try SessionReader.readManifest(w.folder).status, .running)
        for e in Fixtures.run("DENI", 0, f1: 75) { r.publish(e) }
        try r.finish(summary: ResultsTable(baseline: nil, rows: []))
        let s = try SessionReader.read(w.folder)
        XCTAssertTrue(s.diagnostics.isClean)
        XCTAssertEqual(s.events.count, written + Fixtures.run("DENI", 0, f1: 75).count)
        XCTAssertEqual(s.finishedRuns, [RunID(strategy: "Default", run: 0), RunID(strategy: "DENI", run: 0)])
    }

    func testDiskFullIsReportedAndRecordedNotCorrupting() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { throw XCTSkip("no /dev/full on this system") }
        let w = try Fixtures.writer(in: parent)
        try w.markInterrupted()
        try FileManager.default.removeItem(at: eventsURL(w))
        try FileManager.default.createSymbolicLink(atPath: eventsURL(w).path, withDestinationPath: "/dev/full")
        let r = try SessionWriter.resume(w.folder)
        r.publish(Fixtures.everyKind[0])
        r.publish(Fixtures.everyKind[1])
        XCTAssertEqual(r.writeError, .diskFull(path: eventsURL(w).path, operation: "writing events.jsonl line 1"))
        XCTAssertEqual(r.eventCount, 0)
        let m = try SessionReader.readManifest(w.folder)
        XCTAssertEqual(m.status, .failed)
        XCTAssertEqual(m.failure, "disk full while writing events.jsonl line 1 at \(eventsURL(w).path)")
        XCTAssertThrowsError(try r.finish(summary: ResultsTable(baseline: nil, rows: []))) {
            XCTAssertEqual($0 as? SessionError, r.writeError)
        }
    }

    func testConcurrentPublishersKeepLinesWhole() throws {
        let w = try Fixtures.writer(in: parent)
        let events = Fixtures.run("DENI", 0, f1: 75)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in for _ in 0..<25 { for e in events { w.publish(e) } } }
        try w.finish(summary: ResultsTable(baseline: nil, rows: []))
        let s = try SessionReader.read(w.folder)
        // Every line whole; the one run published 100 times is (rightly) reported as finished more than once.
        XCTAssertEqual(s.diagnostics.garbageLineCount, 0)
        XCTAssertFalse(s.diagnostics.tornTail)
        XCTAssertEqual(s.diagnostics.runsFinishedTwice, 1)
        XCTAssertEqual(s.events.count, 100 * events.count)
    }
}
