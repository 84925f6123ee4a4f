import DeniCore
import DeniData
import DeniTraining
import Foundation
import XCTest
@testable import DeniExperiments

final class SessionCatalogTests: XCTestCase {
    var parent: URL!
    override func setUpWithError() throws { parent = try Fixtures.temporaryFolder(name) }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: parent) }

    /// Writes a finished session whose Default/DENI runs have the given final macro-F1 values.
    func session(_ name: String, default d: [Double], deni: [Double], seedOffset: UInt64 = 0, finish: Bool = true) throws -> URL {
        var config = Fixtures.config(runs: d.count)
        config.name = name
        let w = try Fixtures.writer(in: parent, config: config)
        var events: [TrainingEvent] = []
        for (strategy, values) in [("Default", d), ("DENI", deni)] {
            for (i, v) in values.enumerated() {
                var run = Fixtures.run(strategy, i, f1: v)
                if case let .runStart(id, _, total, examples, time) = run[0] {
                    run[0] = .runStart(id: id, seeds: Seeds(all: UInt64(i) + seedOffset), totalSteps: total, trainExamples: examples, time: time)
                }
                events += run
            }
        }
        for e in events { w.publish(e) }
        if finish { try w.finish(summary: ResultsTable.derive(config: config, events: events, classCount: 6)) }
        return w.folder
    }

    func testListingShowsRunsStatusAndBest() throws {
        _ = try session("first", default: [70, 72, 74], deni: [75, 76, 77])
        _ = try session("second", default: [60, 62], deni: [50], finish: false)
        let broken = parent.appendingPathComponent("zz-broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try "{}".write(to: broken.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: parent.appendingPathComponent("not-a-session"), withIntermediateDirectories: true)
        // A folder grouping sessions (like sessions/study) is listed one level down, as `group/<name>`.
        let grouped = try session("grouped", default: [80, 81], deni: [82, 83])
        let group = parent.appendingPathComponent("group")
        try FileManager.default.createDirectory(at: group, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: grouped, to: group.appendingPathComponent(grouped.lastPathComponent))
        try "not a folder".write(to: parent.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)

        let list = SessionCatalog.list(in: parent)
        XCTAssertEqual(list.count, 4)
        XCTAssertEqual(list.last?.path, group.appendingPathComponent(grouped.lastPathComponent).path)
        XCTAssertEqual(try SessionCatalog.resolve("grouped", in: parent).path, group.appendingPathComponent(grouped.lastPathComponent).path)
        let first = try XCTUnwrap(list.first { $0.name.hasSuffix("-first") })
        XCTAssertEqual(first.runsDone, 6)
        XCTAssertEqual(first.runsPlanned, 6)
        XCTAssertEqual(first.status, "finished")
        XCTAssertEqual(first.best?.strategy, "DENI")
        XCTAssertEqual(first.best?.mean ?? 0, 76, accuracy: 1e-12)
        XCTAssertEqual(first.strategies, ["Default", "DENI"])
        let second = try XCTUnwrap(list.first { $0.name.hasSuffix("-second") })
        XCTAssertEqual(second.status, "running", "this test process still holds the lock")
        XCTAssertEqual(second.runsDone, 3)
        XCTAssertEqual(second.runsPlanned, 4)
        XCTAssertEqual(second.best?.strategy, "Default")
        let bad = try XCTUnwrap(list.first { $0.name == "zz-broken" })
        XCTAssertEqual(bad.status, "unreadable")
        XCTAssertTrue(bad.problems[0].contains("no schemaVersion field"))
    }

    func testResolveByPathNameOrUniquePart() throws {
        let a = try session("alpha", default: [70, 72], deni: [75, 76])
        _ = try session("alphabet", default: [70, 72], deni: [75, 76])
        XCTAssertEqual(try SessionCatalog.resolve(a.path, in: parent).path, a.path)
        XCTAssertEqual(try SessionCatalog.resolve(a.lastPathComponent, in: parent).path, a.path)
        XCTAssertEqual(try SessionCatalog.resolve("alphabet", in: parent).lastPathComponent.hasSuffix("alphabet"), true)
        XCTAssertThrowsError(try SessionCatalog.resolve("alpha", in: parent)) {
            guard case .ambiguous(_, let candidates)? = $0 as? SessionError else { return XCTFail("\($0)") }
            XCTAssertEqual(candidates.count, 2)
        }
        XCTAssertThrowsError(try SessionCatalog.resolve("gamma", in: parent)) {
            guard case .notFound? = $0 as? SessionError else { return XCTFail("\($0)") }
        }
    }

    func testCompareWarnsWhenSessionsRanOnOtherData() throws {
        let a = try SessionReader.read(try session("one", default: [70, 72], deni: [75, 76]))
        var config = Fixtures.config(runs: 2)
        config.dataset = "sst2"
        let other = DatasetIdentity(key: "sst2", path: "/data/sst2", filesHash: "sha256:fff", classCount: 2)
        let w = try SessionWriter.create(in: parent, config: config, modelIdentity: Fixtures.model, datasetIdentity: other, machine: Fixtures.machine)
        for e in Fixtures.run("Default", 0, f1: 80) { w.publish(e) }
        try w.markInterrupted()
        let b = try SessionReader.read(w.folder)
        XCTAssertEqual(SessionComparison([a, a]).warnings, [])
        let c = SessionComparison([a, b])
        XCTAssertEqual(c.warnings.count, 1)
        XCTAssertTrue(c.warnings[0].hasPrefix("S2 (\(b.manifest.name)) ran on dataset 'sst2' (sha256:fff…), S1 on 'trec' (sha256:abc…)"), c.warnings[0])
    }

    func testCompareUsesPairedTestWhenSeedsMatchAndWelchOtherwise() throws {
        let d1 = [70.0, 72, 74, 71], n1 = [75.0, 76, 77, 74]
        let d2 = [71.0, 74, 75, 73], n2 = [70.0, 71, 69, 72]
        let s1 = try SessionReader.read(try session("one", default: d1, deni: n1))
        let same = try SessionReader.read(try session("same-seeds", default: d2, deni: n2))
        let other = try SessionReader.read(try session("other-seeds", default: d2, deni: n2, seedOffset: 100))
        let c = SessionComparison([s1, same, other])
        XCTAssertEqual(c.rows.map(\.strategy), ["Default", "DENI"])
        let deni = c.rows[1]
        XCTAssertEqual(deni.results.compactMap { $0?.macroF1.mean }, [75.5, 70.5, 70.5])
        let paired = try XCTUnwrap(deni.tests[0]), welch = try XCTUnwrap(deni.tests[1])
        XCTAssertEqual(paired.kind, "paired")
        XCTAssertEqual(paired.difference, -5, accuracy: 1e-12)
        XCTAssertEqual(paired.p, 0.125, accuracy: 1e-12)  // scipy.stats.wilcoxon([70,71,69,72], [75,76,77,74]).pvalue
        XCTAssertEqual(welch.kind, "welch")
        XCTAssertEqual(welch.n, 8)
        // scipy.stats.ttest_ind([70,71,69,72], [75,76,77,74], equal_var=False).pvalue
        XCTAssertEqual(welch.p, 0.0015474212145409388, accuracy: 1e-12)
        // The statistic is named wherever it is printed (CLI and UI use these).
        XCTAssertEqual(paired.statistic, "paired Δ (4 pairs)")
        XCTAssertEqual(welch.statistic, "Welch Δ")
        XCTAssertEqual(ResultsText.crossSession(paired), "paired Δ (4 pairs) -5.00 [no CI: 4 pairs]")
        XCTAssertEqual(ResultsText.crossSession(welch), "Welch Δ -5.00")
        XCTAssertEqual(ResultsText.crossSessionTest(paired), "Wilcoxon p 0.125")
        XCTAssertEqual(ResultsText.crossSessionTest(welch), "Welch t p 0.002")
    }

    /// A folder name reused in two groups: its exact name is refused, naming both folders; a group's path picks one.
    /// An exact folder name wins over a longer one that contains it.
    func testResolveRefusesANameTwoGroupsShareAndExactNamesWin() throws {
        let one = try session("cola", default: [70, 72], deni: [75, 76])
        let longer = try session("cola-ni", default: [70, 72], deni: [75, 76])
        for group in ["study", "examples"] {
            let g = parent.appendingPathComponent(group)
            try FileManager.default.createDirectory(at: g, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: one, to: g.appendingPathComponent("shared"))
        }
        XCTAssertThrowsError(try SessionCatalog.resolve("shared", in: parent)) {
            guard case .ambiguous(_, let candidates)? = $0 as? SessionError else { return XCTFail("\($0)") }
            XCTAssertEqual(candidates, ["examples/shared", "study/shared"])
            XCTAssertTrue("\($0)".contains("examples/shared, study/shared"), "\($0)")
        }
        XCTAssertEqual(try SessionCatalog.resolve("study/shared", in: parent).path, parent.appendingPathComponent("study/shared").path)
        XCTAssertEqual(try SessionCatalog.resolve(one.lastPathComponent, in: parent).path, one.path, "exact name beats '\(longer.lastPathComponent)'")
        XCTAssertEqual(SessionCatalog.list(in: parent).map(\.folder).filter { $0.hasSuffix("shared") }, ["examples/shared", "study/shared"])
    }

    /// Tags and a note live in meta.json; the listing reads them; an empty meta removes the file; a bad file is a
    /// listing problem naming it, not a crash.
    func testMetaIsReadByTheListingAndWrittenAtomically() throws {
        let s = try session("tagged", default: [70, 72], deni: [75, 76])
        XCTAssertEqual(try SessionMeta.read(s), SessionMeta())
        try SessionMeta(tags: ["seeds, cola", " cola", ""], note: "first try").write(s)
        let meta = try SessionMeta.read(s)
        XCTAssertEqual(meta.tags, ["cola", "seeds"])
        XCTAssertEqual(meta.note, "first try")
        let listed = try XCTUnwrap(SessionCatalog.list(in: parent).first)
        XCTAssertEqual(listed.tags, ["cola", "seeds"])
        XCTAssertEqual(listed.note, "first try")
        try SessionMeta().write(s)
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.appendingPathComponent(SessionMeta.file).path))
        try "[1,".write(to: s.appendingPathComponent(SessionMeta.file), atomically: true, encoding: .utf8)
        let problems = try XCTUnwrap(SessionCatalog.list(in: parent).first).problems
        XCTAssertTrue(problems.contains { $0.contains("meta.json") }, "\(problems)")
    }

    /// Rename moves the folder (bad names and taken names refused); delete moves it into .trash/, which is not
    /// listed; both are refused, naming session.lock, while a process writes the session.
    func testRenameAndDeleteMoveFoldersAndRefuseALiveSession() throws {
        let done = try session("done", default: [70, 72], deni: [75, 76])
        let live = try session("live", default: [70], deni: [], finish: false)   // this process holds its lock
        for bad in ["", ".hidden", "a/b", "sp ace"] {
            XCTAssertThrowsError(try SessionCatalog.rename(done, to: bad)) { XCTAssertTrue("\($0)".contains("letters, digits"), "\($0)") }
        }
        XCTAssertThrowsError(try SessionCatalog.rename(done, to: live.lastPathComponent)) { XCTAssertTrue("\($0)".contains("already exists"), "\($0)") }
        let attempts: [() throws -> Void] = [{ _ = try SessionCatalog.rename(live, to: "other") }, { _ = try SessionCatalog.trash(live, sessions: self.parent) }]
        for attempt in attempts {
            XCTAssertThrowsError(try attempt()) { XCTAssertTrue("\($0)".contains("process \(getpid())") && "\($0)".contains("session.lock"), "\($0)") }
        }
        let renamed = try SessionCatalog.rename(done, to: "best-run")
        XCTAssertEqual(renamed.lastPathComponent, "best-run")
        XCTAssertFalse(FileManager.default.fileExists(atPath: done.path))
        XCTAssertEqual(try SessionCatalog.resolve("best-run", in: parent).path, renamed.path)
        let trashed = try SessionCatalog.trash(renamed, sessions: parent)
        XCTAssertEqual(trashed.path, SessionCatalog.trashFolder(in: parent).appendingPathComponent("best-run").path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: trashed.appendingPathComponent("manifest.json").path))
        XCTAssertEqual(SessionCatalog.list(in: parent).map(\.folder), [live.lastPathComponent], "the trash is not listed")
    }
}
