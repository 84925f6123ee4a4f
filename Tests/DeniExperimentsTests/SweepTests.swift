import DeniTraining
import Foundation
import XCTest
@testable import DeniExperiments

final class SweepPlanTests: XCTestCase {
    func axis(_ s: String) throws(FieldError) -> SweepAxis { try SweepAxis.parse(s) }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return (error as? FieldError)?.message ?? "\(error)" }
    }

    func testAxesParseListsAndRanges() throws {
        XCTAssertEqual(try axis("deni.noiseVariance=0.05, 0.15,0.3").grid, ["0.05", "0.15", "0.3"])
        XCTAssertEqual(try axis("deni.noiseVariance=0.01:1:3log").grid, ["0.01", "0.1", "1"])
        XCTAssertEqual(try axis("ensembleSize=3:9:4").grid, ["3", "5", "7", "9"])
        XCTAssertEqual(try axis("ensembleSize=3:9:4lin").grid, ["3", "5", "7", "9"])
        XCTAssertEqual(message { _ = try axis("deni.noiseVariance=") }, "deni.noiseVariance: no values (an empty grid)")
        XCTAssertEqual(message { _ = try axis("noiseVariance") }, "'noiseVariance': expected KEY=V1,V2,… or KEY=LOW:HIGH:N[log|lin]")
        XCTAssertEqual(message { _ = try axis("x=0:1:3log") }, "x: a log range needs LOW > 0 (got 0)")
        XCTAssertEqual(message { _ = try axis("x=2:1:3") }, "x: range '2:1:3' needs LOW < HIGH")
        XCTAssertEqual(message { _ = try axis("x=1,2,1") }, "x: a value is listed twice")
    }

    func testGridVariesTheLastAxisFastestAndRandomSearchIsSeeded() throws {
        let plan = SweepPlan(axes: [try axis("deni.noiseVariance=0.05,0.3"), try axis("deni.ensembleSize=3,5")])
        XCTAssertEqual(try plan.points(), [["0.05", "3"], ["0.05", "5"], ["0.3", "3"], ["0.3", "5"]])
        let random = SweepPlan(axes: [try axis("deni.noiseVariance=0.01:1:2log"), try axis("deni.ensembleSize=2,4,8")], random: 6, seed: 9)
        let a = try random.points(), b = try random.points()
        XCTAssertEqual(a, b, "the same seed draws the same points")
        XCTAssertEqual(a.count, 6); XCTAssertEqual(Set(a).count, 6)
        for p in a { XCTAssertTrue((0.01...1).contains(Double(p[0])!)); XCTAssertTrue(["2", "4", "8"].contains(p[1])) }
        var other = random; other.seed = 10
        XCTAssertNotEqual(try other.points(), a)
    }

    func testExpansionMakesLabelledVariantsAndOneBaseline() throws {
        var base = ExperimentConfig()
        base.strategies = [StrategyConfig(kind: .standard), StrategyConfig(kind: .deni), StrategyConfig(kind: .ensemble)]
        let plan = SweepPlan(axes: [try axis("deni.noiseVariance=0.05,0.3"), try axis("deni.ensembleSize=3,5")])
        let c = try plan.experiment(base)
        XCTAssertEqual(c.strategies.map(\.label), ["Default", "Ensemble", "DENI · σ² 0.05 · K 3", "DENI · σ² 0.05 · K 5", "DENI · σ² 0.3 · K 3", "DENI · σ² 0.3 · K 5"])
        XCTAssertEqual(c.sweep, plan)
        XCTAssertNoThrow(try c.validate())
        // A bare key reaches every strategy that has the setting: Ensemble's K too.
        let both = try SweepPlan(axes: [try axis("ensembleSize=3,5")]).experiment(base)
        XCTAssertEqual(both.strategies.map(\.label), ["Default", "DENI · K 3", "DENI · K 5", "Ensemble · K 3", "Ensemble · K 5"])
        // The plan survives the config file.
        XCTAssertEqual(try JSONDecoder().decode(ExperimentConfig.self, from: try c.encoded()), c)
    }

    /// An experiment-level axis: every baseline once per value (not once per point), every variant per point,
    /// each carrying its experiment-level values; each variant pairs with the Default of its own learning rate.
    func testExperimentLevelAxesGiveOneBaselinePerValue() throws {
        var base = ExperimentConfig()
        base.strategies = [StrategyConfig(kind: .standard), StrategyConfig(kind: .deni)]
        let plan = SweepPlan(axes: [try axis("lr=1e-4,5e-4"), try axis("deni.ensembleSize=3,5")])
        let c = try plan.experiment(base)
        XCTAssertEqual(c.strategies.map(\.label), ["Default · lr 0.0001", "Default · lr 0.0005", "DENI · K 3 · lr 0.0001",
                                                   "DENI · K 5 · lr 0.0001", "DENI · K 3 · lr 0.0005", "DENI · K 5 · lr 0.0005"])
        XCTAssertEqual(c.strategies[4].experiment, ["learningRate": "0.0005"])
        XCTAssertNoThrow(try c.validate())
        XCTAssertEqual(try JSONDecoder().decode(ExperimentConfig.self, from: try c.encoded()), c)
        XCTAssertEqual(c.baseline(for: c.strategies[4])?.label, "Default · lr 0.0005")
        // The runner's groups: one prepared experiment per learning rate, tasks keeping their indices.
        let groups = try c.groups()
        XCTAssertEqual(groups.map(\.indices), [[0, 2, 3], [1, 4, 5]])
        XCTAssertEqual(groups.map(\.config.effectiveLearningRate), [1e-4, 5e-4])
        XCTAssertEqual(groups[1].config.strategies.map(\.label), ["Default · lr 0.0005", "DENI · K 3 · lr 0.0005", "DENI · K 5 · lr 0.0005"])
        // Only experiment-level values: every strategy per value; Default stays the baseline of its value.
        let lrOnly = try SweepPlan(axes: [try axis("samples=100,1000")]).experiment(base)
        XCTAssertEqual(lrOnly.strategies.map(\.label), ["Default · N 100", "Default · N 1000", "DENI · N 100", "DENI · N 1000"])
        XCTAssertEqual(try lrOnly.resolved(for: lrOnly.strategies[2]).trainSamples, 100)
    }

    func testBadSweepsAreRefusedNamingTheProblem() throws {
        var base = ExperimentConfig()
        base.strategies = [StrategyConfig(kind: .standard), StrategyConfig(kind: .deni)]
        func refusal(_ axes: [String]) -> String {
            message { _ = try SweepPlan(axes: try axes.map { try SweepAxis.parse($0) }).experiment(base) }
        }
        XCTAssertTrue(refusal(["runs=5,10"]).hasPrefix("--vary runs: 'runs' holds one value for the whole experiment"), refusal(["runs=5,10"]))
        XCTAssertTrue(refusal(["threads=1,2"]).contains("holds one value for the whole experiment"), refusal(["threads=1,2"]))
        XCTAssertTrue(refusal(["lr=1e-4,-1"]).hasPrefix("--vary lr=-1: "), refusal(["lr=1e-4,-1"]))
        XCTAssertEqual(refusal(["deni.noiseVarience=0.1"]), "DENI has no setting 'noiseVarience' (did you mean 'deni.noiseVariance'?)")
        XCTAssertEqual(refusal(["ensemble.ensembleSize=3"]), "no strategy of this experiment has ensemble.ensembleSize (add one with --strategy)")
        XCTAssertTrue(refusal(["deni.ensembleSize=0,3"]).hasPrefix("--vary deni.ensembleSize=0: "), refusal(["deni.ensembleSize=0,3"]))
        XCTAssertEqual(refusal([]), "a sweep needs at least one --vary")
        XCTAssertEqual(refusal(["deni.ensembleSize=1:64:64", "deni.noiseVariance=0.01:1:20log"]), "the grid has more than 1000 points; use --random N")
    }
}

final class SessionShardTests: XCTestCase {
    var parent: URL!
    override func setUpWithError() throws { parent = try Fixtures.temporaryFolder(name) }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: parent) }

    func testShardsReadAsOneLogAndMergeIntoAPlainSession() throws {
        let config = Fixtures.config(runs: 2)
        let writer = try Fixtures.writer(in: parent, config: config)
        for e in Fixtures.run("Default", 0, f1: 70, seeds: config.seeds(run: 0)) { writer.publish(e) }
        let a = try ShardWriter(session: writer.folder, worker: "worker-1"), b = try ShardWriter(session: writer.folder, worker: "worker-2")
        for e in Fixtures.run("DENI", 0, f1: 72, seeds: config.seeds(run: 0)) { a.publish(e) }
        for e in Fixtures.run("Default", 1, f1: 71, seeds: config.seeds(run: 1)) + Fixtures.run("DENI", 1, f1: 74, seeds: config.seeds(run: 1)) { b.publish(e) }
        a.close(); b.close()
        // A worker killed mid-line: the torn line is skipped by readers and cut when the shard reopens.
        let h = try FileHandle(forWritingTo: SessionShards.file(writer.folder, worker: "worker-2"))
        try h.seekToEnd(); try h.write(contentsOf: Data("{\"kind\":\"run_st".utf8)); try h.close()
        var s = try SessionReader.read(writer.folder)
        XCTAssertEqual(s.finishedRuns.count, 4)
        XCTAssertTrue(s.diagnostics.tornTail)
        XCTAssertThrowsError(try SessionCompaction.compact(writer.folder, stepsEvery: 10)) {
            XCTAssertTrue("\($0)".contains("worker shards"), "\($0)")
        }
        let reopened = try ShardWriter(session: writer.folder, worker: "worker-2")
        reopened.close()
        XCTAssertFalse(try SessionReader.read(writer.folder).diagnostics.tornTail, "reopening cut the torn line")
        let before = s.derivedResults()
        try SessionShards.merge(into: writer)
        try writer.finish(summary: before)
        XCTAssertTrue(SessionShards.files(in: writer.folder).isEmpty)
        s = try SessionReader.read(writer.folder)
        XCTAssertTrue(s.derivedResults().encodesIdentically(to: before))
        XCTAssertEqual(s.events.count, 4 * Fixtures.run("Default", 0, f1: 70).count)
    }

    /// A shard copied in from another sweep — a strategy this session does not have, a run beyond its runs, or
    /// another run's seeds — is refused by every reader and by the merge, naming the file; nothing is merged.
    func testAShardOfAnotherSessionIsRefusedNamingItsFile() throws {
        let config = Fixtures.config(runs: 2)
        let cases: [(String, [TrainingEvent], String)] = [
            ("strategy", Fixtures.run("DENI · K 7", 0, f1: 70, seeds: config.seeds(run: 0)), "its run 'DENI · K 7' #0 is not a strategy of this session"),
            ("run", Fixtures.run("DENI", 5, f1: 70, seeds: config.seeds(run: 5)), "its run 'DENI' #5 is outside this session's runs 0-1"),
            ("seeds", Fixtures.run("DENI", 1, f1: 70, seeds: config.seeds(run: 0)), "its run 'DENI' #1 has other seeds than this session's run 1"),
        ]
        for (name, events, problem) in cases {
            let writer = try Fixtures.writer(in: parent, config: config)
            for e in Fixtures.run("Default", 0, f1: 70, seeds: config.seeds(run: 0)) { writer.publish(e) }
            let shard = try ShardWriter(session: writer.folder, worker: "worker-\(name)")
            for e in events { shard.publish(e) }
            shard.close()
            let expected = SessionError.refused(path: shard.url.path, reason: "a shard of another session (\(problem)); move it out of shards/ to go on")
            XCTAssertThrowsError(try SessionReader.read(writer.folder)) { XCTAssertEqual($0 as? SessionError, expected) }
            XCTAssertThrowsError(try SessionShards.merge(into: writer)) { XCTAssertEqual($0 as? SessionError, expected) }
            try writer.markInterrupted()
            XCTAssertEqual(try String(contentsOf: writer.folder.appendingPathComponent(SessionFormat.eventsFile), encoding: .utf8)
                .split(separator: "\n").count, Fixtures.run("Default", 0, f1: 70).count, "nothing merged")
        }
    }

    /// An experiment that extends another (first run 5) numbers its tasks from run 5 and refuses a shard of run 0.
    func testTasksOfAnExtensionStartAtItsFirstRun() throws {
        var config = Fixtures.config(runs: 2)
        config.firstRun = 5
        let tasks = SweepTasks(config)
        XCTAssertEqual((0..<tasks.count).map { tasks.run($0).description }, ["Default#5", "DENI#5", "Default#6", "DENI#6"])
        XCTAssertEqual(tasks.done([RunID(strategy: "DENI", run: 6), RunID(strategy: "DENI", run: 0)]), [3])
        XCTAssertEqual(config.runsDescription, "2 (runs 5-6)")
        let writer = try Fixtures.writer(in: parent, config: config)
        let shard = try ShardWriter(session: writer.folder, worker: "worker-old")
        for e in Fixtures.run("DENI", 0, f1: 70, seeds: config.seeds(run: 0)) { shard.publish(e) }
        shard.close()
        XCTAssertThrowsError(try SessionReader.read(writer.folder)) {
            XCTAssertTrue("\($0)".contains("its run 'DENI' #0 is outside this session's runs 5-6"), "\($0)")
        }
        // The key is written only when it is not 0: configs recorded before it existed read and write back unchanged.
        XCTAssertFalse(String(decoding: try Fixtures.config(runs: 2).encoded(), as: UTF8.self).contains("firstRun"))
        let back = try JSONDecoder().decode(ExperimentConfig.self, from: try config.encoded())
        XCTAssertEqual(back, config)
    }

    func testATaskIsClaimedOnceUntilClaimsAreCleared() throws {
        XCTAssertTrue(SessionShards.claim(parent, task: 3))
        XCTAssertFalse(SessionShards.claim(parent, task: 3))
        XCTAssertTrue(SessionShards.claim(parent, task: 4))
        SessionShards.clearClaims(parent)
        XCTAssertTrue(SessionShards.claim(parent, task: 3))
    }
}

final class SweepViewTests: XCTestCase {
    func testPointsCarryTheirAxisValuesAndTheChartHasALinePerSecondAxisValue() throws {
        var base = ExperimentConfig()
        base.runs = 3
        base.strategies = [StrategyConfig(kind: .standard), StrategyConfig(kind: .deni)]
        let plan = SweepPlan(axes: [try SweepAxis.parse("deni.noiseVariance=0.01:1:3log"), try SweepAxis.parse("deni.ensembleSize=3,5")])
        let config = try plan.experiment(base)
        var events: [TrainingEvent] = []
        for run in 0..<3 {
            for (i, s) in config.strategies.enumerated() { events += Fixtures.run(s.label, run, f1: 70 + Double(i) + Double(run)) }
        }
        let table = ResultsTable.derive(config: config, events: events, classCount: 2)
        let view = try XCTUnwrap(SweepView(config: config, table: table))
        XCTAssertEqual(view.axes, ["deni.noiseVariance", "deni.ensembleSize"])
        XCTAssertEqual(view.baselines.map(\.strategy), ["Default"])
        XCTAssertEqual(view.points.map(\.values), [["0.01", "3"], ["0.01", "5"], ["0.1", "3"], ["0.1", "5"], ["1", "3"], ["1", "5"]])
        XCTAssertEqual(view.points.map(\.result.strategy), Array(config.strategies.dropFirst().map(\.label)))
        let t = view.cells
        XCTAssertEqual(t.headers.prefix(3), ["deni.noiseVariance", "deni.ensembleSize", "Runs"])
        XCTAssertEqual(t.rows[0][3], "72.00 ± 0.82")
        XCTAssertEqual(t.rows[0][4], "+1.00 [no CI: 3 pairs]")
        let svg = SVGCounter.parse(view.svg())
        XCTAssertEqual(svg.classes["series"], 2, "one line per K")
        XCTAssertEqual(svg.classes["baseline"], 1)
        XCTAssertEqual(svg.classes["std-band"], 2)
        XCTAssertNil(SweepView(config: base, table: ResultsTable.derive(config: base, events: [], classCount: 2)), "not a sweep")
        // The heat map: rows are K, columns σ², each cell its point's mean.
        let map = try XCTUnwrap(view.heatMap)
        XCTAssertEqual(map.xValues, ["0.01", "0.1", "1"])
        XCTAssertEqual(map.yValues, ["3", "5"])
        XCTAssertEqual(map.cells, [[72, 74, 76], [73, 75, 77]])
        XCTAssertEqual(map.range, 72...77)
        XCTAssertFalse(map.pooled)
        let heat = SVGCounter.parse(try XCTUnwrap(view.heatMapSVG()))
        XCTAssertEqual(heat.classes["cell"], 6, "one cell per (σ², K)")
        // A point copied out as an experiment of its own: Default and that DENI, no plan, labels from settings.
        let point = try config.point(config.strategies[4])
        XCTAssertEqual(point.strategies.map(\.label), ["Default", "DENI · σ² 0.1 · K 5"])
        XCTAssertNil(point.sweep)
        XCTAssertNoThrow(try point.validate())
    }

    /// A point of an experiment-level sweep keeps its learning rate and pairs with the Default of that rate; a
    /// one-axis sweep has no heat map.
    func testCopiedPointKeepsItsExperimentLevelSettings() throws {
        var base = ExperimentConfig()
        base.strategies = [StrategyConfig(kind: .standard), StrategyConfig(kind: .deni)]
        let c = try SweepPlan(axes: [try SweepAxis.parse("lr=1e-4,5e-4")]).experiment(base)
        let point = try c.point(c.strategies[3])
        XCTAssertEqual(point.effectiveLearningRate, 5e-4)
        XCTAssertEqual(point.strategies.map(\.label), ["Default", "DENI"])
        XCTAssertTrue(point.strategies.allSatisfy { $0.experiment.isEmpty && $0.name == nil })
        let table = ResultsTable.derive(config: c, events: [], classCount: 2)
        XCTAssertNil(SweepView(config: c, table: table)?.heatMap)
    }

    func testDefaultWorkersFillTheCoresAtTheConfigsThreads() {
        XCTAssertEqual(WorkerPoolDriver.defaultWorkers(threads: 1, cores: 2), 2)
        XCTAssertEqual(WorkerPoolDriver.defaultWorkers(threads: 2, cores: 2), 1)
        XCTAssertEqual(WorkerPoolDriver.defaultWorkers(threads: 4, cores: 2), 1)
        XCTAssertEqual(WorkerPoolDriver.defaultWorkers(threads: 2, cores: 16), 8)
        XCTAssertEqual(WorkerPoolDriver.defaultWorkers(threads: 1, cores: 1024), 256)
    }
}
