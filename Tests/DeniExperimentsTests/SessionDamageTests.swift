import DeniTraining
import Foundation
import XCTest
@testable import DeniExperiments

/// Sessions edited or damaged by hand: every reader gets one error naming the field, or reads what is sound and
/// says what it left out. Never a trap, a hang or a damaged value shown as a result.
final class SessionDamageTests: XCTestCase {
    var parent: URL!
    override func setUpWithError() throws { parent = try Fixtures.temporaryFolder(name) }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: parent) }

    func line(_ e: TrainingEvent) throws -> String { String(decoding: try SessionFormat.encoder(pretty: false).encode(e), as: UTF8.self) + "\n" }

    func append(_ text: String, to folder: URL) throws {
        let h = try FileHandle(forWritingTo: folder.appendingPathComponent(SessionFormat.eventsFile))
        try h.seekToEnd()
        try h.write(contentsOf: Data(text.utf8))
        try h.close()
    }

    /// Sets `path` (keys from the top) of the manifest to `value`.
    func edit(_ folder: URL, _ path: [String], _ value: Any) throws {
        let url = folder.appendingPathComponent(SessionFormat.manifestFile)
        var root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        func set(_ object: [String: Any], _ keys: ArraySlice<String>) -> [String: Any] {
            var o = object
            if keys.count == 1 { o[keys.first!] = value } else { o[keys.first!] = set(o[keys.first!] as? [String: Any] ?? [:], keys.dropFirst()) }
            return o
        }
        root = set(root, path[...])
        try JSONSerialization.data(withJSONObject: root).write(to: url)
    }

    func testCountedSettingsOutOfRangeAreRefusedNamingTheField() throws {
        for (path, value, named) in [(["config", "runs"], Int.max as Any, "config.runs"), (["config", "runs"], -3, "config.runs"),
                                     (["config", "firstRun"], Int.max, "config.firstRun"), (["config", "epochs"], 0, "config.epochs"),
                                     (["dataset", "classCount"], -2, "dataset.classCount"),
                                     (["dataset", "classCount"], 3_000_000, "dataset.classCount"), (["stepEventsEvery"], 0, "stepEventsEvery")] {
            let w = try Fixtures.writer(in: parent)
            try w.finish(summary: ResultsTable(baseline: "Default", rows: []))
            try edit(w.folder, path, value)
            XCTAssertThrowsError(try SessionReader.read(w.folder), "\(path) = \(value)") { error in
                guard case .corruptManifest(let file, let detail)? = error as? SessionError else { return XCTFail("\(error)") }
                XCTAssertTrue(file.hasSuffix(SessionFormat.manifestFile))
                XCTAssertTrue(detail.hasPrefix(named), detail)
            }
            // The catalogue lists it as unreadable instead of failing as a whole.
            let listed = SessionCatalog.list(in: parent).first { $0.path == w.folder.path }
            XCTAssertEqual(listed?.status, "unreadable", "\(path)")
            try FileManager.default.removeItem(at: w.folder)
        }
    }

    func testImpossibleRecordedMetricsAreSkippedNotShown() throws {
        let w = try Fixtures.writer(in: parent)
        for e in Fixtures.run("Default", 0, f1: 70) { w.publish(e) }
        let good = try line(Fixtures.run("Default", 1, f1: 60).last!)
        let bad = [good.replacingOccurrences(of: "\"macroF1\":60", with: "\"macroF1\":\"nan\""),
                   good.replacingOccurrences(of: "\"macroF1\":60", with: "\"macroF1\":500"),
                   good.replacingOccurrences(of: "[[3,1],[0,4]]", with: "[[3,-1],[0,4]]"),
                   good.replacingOccurrences(of: "[[3,1],[0,4]]", with: "[[3,1],[0]]"),
                   good.replacingOccurrences(of: "[[3,1],[0,4]]", with: "[[3,9223372036854775807],[0,4]]")]
        for b in bad { XCTAssertNotEqual(b, good, "the fixture's encoding changed") }
        try append(bad.joined(), to: w.folder)
        let s = try SessionReader.read(w.folder)
        XCTAssertEqual(s.diagnostics.garbageLineCount, bad.count)
        let reasons = s.diagnostics.garbageLines.map(\.reason)
        XCTAssertEqual(reasons.count, bad.count, "\(reasons)")
        for (i, expected) in ["percentage", "percentage", "count -1", "square", "count 9223372036854775807"].enumerated() where i < reasons.count {
            XCTAssertTrue(reasons[i].contains(expected), reasons[i])
        }
        XCTAssertEqual(s.derivedResults().rows.first { $0.strategy == "Default" }?.runs, 1)
    }

    func testEventsOfAnotherSessionAreLeftOutAndReported() throws {
        let w = try Fixtures.writer(in: parent)
        for e in Fixtures.run("Default", 0, f1: 70) + Fixtures.run("DENI", 0, f1: 72) { w.publish(e) }
        // Another session's lines: a strategy this one does not list, a run beyond its 4, and a second finished Default#0.
        let foreign = Fixtures.run("Ensemble", 0, f1: 90) + Fixtures.run("Default", 9, f1: 90) + Fixtures.run("Default", 0, f1: 10)
        try append(try foreign.map(line).joined(), to: w.folder)
        let s = try SessionReader.read(w.folder)
        let unplanned = Fixtures.run("Ensemble", 0, f1: 90).count + Fixtures.run("Default", 9, f1: 90).count
        XCTAssertEqual(s.diagnostics.unplannedEvents, unplanned)
        XCTAssertEqual(s.diagnostics.firstUnplannedRun, "Ensemble#0")
        XCTAssertEqual(s.diagnostics.runsFinishedTwice, 1)
        XCTAssertEqual(s.diagnostics.firstRunFinishedTwice, "Default#0")
        XCTAssertFalse(s.diagnostics.isClean)
        XCTAssertEqual(s.diagnostics.messages.count, 2, "\(s.diagnostics.messages)")
        XCTAssertFalse(s.events.contains { $0.runID?.strategy == "Ensemble" || $0.runID?.run == 9 })
    }

    /// An export or report aimed at a session's own files is refused before anything is written.
    func testExportsNeverOverwriteASessionsOwnFiles() throws {
        let w = try Fixtures.writer(in: parent)
        for e in Fixtures.run("Default", 0, f1: 70) { w.publish(e) }
        try w.finish(summary: ResultsTable(baseline: "Default", rows: []))
        let s = try SessionReader.read(w.folder)
        let manifest = try Data(contentsOf: w.folder.appendingPathComponent(SessionFormat.manifestFile))
        let events = try Data(contentsOf: w.folder.appendingPathComponent(SessionFormat.eventsFile))
        for name in [SessionFormat.manifestFile, SessionFormat.eventsFile, "config.json", SessionMeta.file, "shards/worker-1.jsonl"] {
            let url = w.folder.appendingPathComponent(name)
            XCTAssertNotNil(SessionFormat.sessionFileProblem(url), name)
            XCTAssertThrowsError(try SessionExport.write(s, csv: url, markdown: nil, svgFolder: nil), name) {
                XCTAssertTrue("\($0)".contains("writing there would destroy it"), "\($0)")
            }
        }
        XCTAssertThrowsError(try SessionExport.write(s, csv: nil, markdown: w.folder.appendingPathComponent(SessionFormat.manifestFile), svgFolder: nil))
        XCTAssertEqual(try Data(contentsOf: w.folder.appendingPathComponent(SessionFormat.manifestFile)), manifest)
        XCTAssertEqual(try Data(contentsOf: w.folder.appendingPathComponent(SessionFormat.eventsFile)), events)
        // Beside a session, and another name inside it, are fine; two exports at one path are not.
        XCTAssertNil(SessionFormat.sessionFileProblem(w.folder.appendingPathComponent("curves.csv")))
        XCTAssertNil(SessionFormat.sessionFileProblem(parent.appendingPathComponent("events.jsonl")))
        let same = parent.appendingPathComponent("x.csv")
        XCTAssertThrowsError(try SessionExport.write(s, csv: same, runs: same, markdown: nil, svgFolder: nil)) {
            XCTAssertTrue("\($0)".contains("same path"), "\($0)")
        }
    }

    func testDamagedMetaIsNamedAsContentsNotAnIOError() throws {
        let w = try Fixtures.writer(in: parent)
        try Data("{\"tags\": 5}".utf8).write(to: w.folder.appendingPathComponent(SessionMeta.file))
        XCTAssertThrowsError(try SessionMeta.read(w.folder)) { error in
            guard case .refused(let path, let reason)? = error as? SessionError else { return XCTFail("\(error)") }
            XCTAssertTrue(path.hasSuffix(SessionMeta.file))
            XCTAssertTrue(reason.contains("not a tags-and-note file") && reason.contains("delete it"), reason)
        }
    }

    func testComparingAnotherProtocolIsWarned() throws {
        var events: [TrainingEvent] = []
        for r in 0..<3 { events += Fixtures.run("Default", r, f1: 70 + Double(r)) }
        let a = Fixtures.config(runs: 3, strategies: [.standard])
        var b = a
        b.trainSamples = 24
        b.epochs = 1
        func session(_ name: String, _ c: ExperimentConfig) -> ComparedSession {
            ComparedSession(name: name, config: c, events: events, table: ResultsTable.derive(config: c, events: events, classCount: 6))
        }
        XCTAssertEqual(SessionComparison([session("a", a), session("a2", a)]).warnings, [])
        let warnings = SessionComparison([session("a", a), session("b", b)]).warnings
        XCTAssertEqual(warnings.count, 1, "\(warnings)")
        XCTAssertTrue(warnings.first?.contains("samples 24 (S1 \(a.trainSamples)), epochs 1 (S1 \(a.epochs))") ?? false, "\(warnings)")
    }

    func testSummaryCountingRunsTheEventsLackIsReported() throws {
        let w = try Fixtures.writer(in: parent)
        var events: [TrainingEvent] = []
        for r in 0..<4 { events += Fixtures.run("Default", r, f1: 70 + Double(r)) + Fixtures.run("DENI", r, f1: 71 + Double(r)) }
        for e in events { w.publish(e) }
        try w.finish(summary: ResultsTable.derive(config: Fixtures.config(), events: events, classCount: 6))
        XCTAssertTrue(try SessionReader.read(w.folder).diagnostics.isClean)
        try Data().write(to: w.folder.appendingPathComponent(SessionFormat.eventsFile))
        let s = try SessionReader.read(w.folder)
        XCTAssertEqual(s.diagnostics.summaryRunsWithoutEvents, 8)
        XCTAssertTrue(s.diagnostics.messages.contains { $0.contains("does not hold") })
    }
}
