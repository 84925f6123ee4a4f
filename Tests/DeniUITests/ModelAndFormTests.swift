import XCTest
import DeniCore
import DeniData
import DeniExperiments
import DeniTraining
@testable import DeniUI

final class ExperimentModelTests: XCTestCase {
    func testAppliesEveryEventKind() {
        var m = ExperimentModel(config: Fixture.config)
        let id = RunID(strategy: "deni", run: 0)   // raw kind name maps onto the config's "DENI"
        m.apply(.runStart(id: id, seeds: Seeds(all: 1), totalSteps: 100, trainExamples: 64, time: 10))
        m.apply(.step(id: id, step: 1, epoch: 1, loss: 2.0, learningRate: 1e-4, time: 11))
        m.apply(.step(id: id, step: 2, epoch: 1, loss: 1.5, learningRate: 1e-4, time: 12))
        m.apply(.evaluation(id: id, step: 2, accuracy: 60, macroF1: 55, loss: 1.4, subset: true, time: 12))
        m.apply(.phase(id: id, step: 2, phase: .interpolating, members: 10, detail: "round 1", time: 12))
        m.apply(.cost(id: id, step: 2, cost: CostCounters(modelSteps: 12, trainingFLOPs: 1, inferencePasses: 0, wallSeconds: 2, peakMemoryBytes: 0)))
        m.apply(.log(level: "info", message: "hello", time: 12))
        let r = m.runs[id]!
        XCTAssertEqual(m.strategyIndex("deni"), 1)
        XCTAssertEqual(r.losses, [2.0, 1.5]); XCTAssertEqual(r.step, 2)
        XCTAssertEqual(r.evals.first?.macroF1, 55)
        XCTAssertEqual(r.interpolationSteps, [2])
        XCTAssertEqual(r.cost.modelSteps, 12)
        XCTAssertEqual(m.relativeCost(r)!, 12.0 / 20.0, accuracy: 1e-12, "in progress: projected to its 100 planned steps")
        XCTAssertEqual(r.stepsPerSecond!, 1, accuracy: 1e-12)
        XCTAssertEqual(r.eta!, 98, accuracy: 1e-9)
        XCTAssertEqual(m.logs.last?.message, "hello")
        m.apply(.runEnd(id: id, status: .failed, metrics: nil, cost: CostCounters(), failure: "NaN loss", step: 2, time: 13))
        XCTAssertEqual(m.runs[id]!.state, .failed)
        XCTAssertEqual(m.logs.last?.message, "deni#0 failed: NaN loss")
        XCTAssertEqual(m.finishedRuns, 0, "a failed run is not done")
        XCTAssertEqual(m.count(.failed), 1)
    }

    func testRepeatedStepsReplaceTheTailAndOrphansAreCounted() {
        var m = ExperimentModel(config: Fixture.config)
        let id = RunID(strategy: "Default", run: 0)
        m.apply(.step(id: id, step: 1, epoch: 1, loss: 1, learningRate: 0, time: 0))
        XCTAssertEqual(m.orphanEvents, 1)
        m.apply(.runStart(id: id, seeds: Seeds(), totalSteps: 5, trainExamples: 8, time: 0))
        for s in 1...4 { m.apply(.step(id: id, step: s, epoch: 1, loss: Double(s), learningRate: 0, time: Double(s))) }
        m.apply(.step(id: id, step: 3, epoch: 1, loss: 9, learningRate: 0, time: 5))
        XCTAssertEqual(m.runs[id]!.lossSteps, [1, 2, 3])
        XCTAssertEqual(m.runs[id]!.losses, [1, 2, 9])
    }

    func testLogIsBounded() {
        var m = ExperimentModel(config: Fixture.config)
        for i in 0..<(ExperimentModel.logCapacity + 20) { m.apply(.log(level: "info", message: "\(i)", time: 0)) }
        XCTAssertEqual(m.logs.count, ExperimentModel.logCapacity)
        XCTAssertEqual(m.logs.first?.message, "20")
    }

    func testRowsAreTheOneDerivationsRows() {
        var m = ExperimentModel(config: Fixture.config)
        for e in Fixture.events { m.apply(e) }
        let table = m.results()!
        XCTAssertTrue(table.encodesIdentically(to: ResultsTable.derive(config: Fixture.config, events: Fixture.events, classCount: m.classCount!)),
                      "the UI's table is the one `deni show` derives")
        let rows = m.strategyRows(table: table)
        XCTAssertEqual(rows.map(\.strategy), ["Default", "DENI"])
        let deniF1 = m.runs(of: "DENI").compactMap { $0.metrics?.macroF1 }
        XCTAssertEqual(deniF1.count, 2, "the failed run has no metrics")
        XCTAssertEqual(rows[1].macroF1, Statistics.summary(deniF1))
        XCTAssertEqual([rows[1].failed, rows[1].finished, rows[1].runs], [1, 2, 3])
        XCTAssertEqual(rows[1].significance, table.rows[1].significance)
        XCTAssertNotNil(rows[1].significance, "2 pairs: a paired comparison against Default")
        XCTAssertNil(rows[0].significance)
        XCTAssertEqual(rows[0].relativeToEnsemble, 0.1, accuracy: 1e-9)
        XCTAssertGreaterThan(rows[1].relativeToEnsemble, rows[0].relativeToEnsemble, "DENI costs more than Default")
        XCTAssertNil(m.strategyRows(table: nil)[1].significance)
    }

    /// One cost definition: a strategy that trains twice as long as Default costs 0.2 of an Ensemble in the
    /// Results table, in a run's detail, and in `deni show` alike.
    func testCostIsRelativeToOneDefaultRunEverywhere() {
        var config = Fixture.config
        config.strategies = [StrategyConfig(kind: .standard), StrategyConfig(kind: .bestPractices)]
        var events: [TrainingEvent] = []
        for (name, steps) in [("Default", 100), ("Best practices", 200)] {
            let id = RunID(strategy: name, run: 0)
            let cost = CostCounters(modelSteps: steps, trainingFLOPs: 1, inferencePasses: 0, wallSeconds: 1, peakMemoryBytes: 0)
            events += [.runStart(id: id, seeds: Seeds(all: 1), totalSteps: steps, trainExamples: 8, time: 0),
                       .runEnd(id: id, status: .finished, metrics: RunMetrics(accuracy: 80, macroF1: 80, perClassF1: [80, 80], confusion: [[1, 0], [0, 1]]),
                               cost: cost, failure: nil, step: steps, time: 1)]
        }
        var m = ExperimentModel(config: config)
        for e in events { m.apply(e) }
        let rows = m.strategyRows(table: m.results())
        XCTAssertEqual(rows[1].relativeToEnsemble, 0.2, accuracy: 1e-12)
        XCTAssertEqual(m.relativeCost(m.runs[RunID(strategy: "Best practices", run: 0)]!)!, 0.2, accuracy: 1e-12)
        XCTAssertEqual(ResultsTable.derive(config: config, events: events, classCount: 2).rows[1].costRelativeToEnsemble, 0.2, accuracy: 1e-12)
    }

    /// Ahead of the now marker the timeline draws the schedule DENI will follow (dimmed): the same phases the
    /// trainer's `DENISchedule` gives; Default has no plan.
    func testTimelineShowsThePlannedScheduleAhead() throws {
        var m = ExperimentModel(config: Fixture.config)
        let id = RunID(strategy: "DENI", run: 0)
        m.apply(.runStart(id: id, seeds: .init(), totalSteps: 40, trainExamples: 64, time: 0))
        m.apply(.step(id: id, step: 2, epoch: 1, loss: 1, learningRate: 1e-4, time: 1))
        let run = try XCTUnwrap(m.runs[id])
        let deni = try XCTUnwrap(Fixture.config.strategies.first { $0.kind == .deni }?.deni)
        let planned = try XCTUnwrap(run.planned)
        XCTAssertEqual(m.plannedPhases(run), planned)
        XCTAssertEqual(planned, DENISchedule.phases(totalSteps: 40, stepsPerEpoch: 10, config: deni))
        XCTAssertTrue(planned.contains(.interpolating) && planned.last == .ensemble)
        m.apply(.runStart(id: RunID(strategy: "Default", run: 0), seeds: .init(), totalSteps: 40, trainExamples: 64, time: 0))
        XCTAssertNil(try XCTUnwrap(m.runs[RunID(strategy: "Default", run: 0)]).planned)
        var grid = CellGrid(width: 60, height: 2)
        ExperimentScreen.timeline(&grid, run, planned: planned, Rect(x: 0, y: 0, width: 60, height: 2), Glyphs.unicodeSet)
        XCTAssertTrue(grid.lines[0].contains("≡"), "the delayed ensemble ahead is drawn: \(grid.lines[0])")
    }

    func testProgressAndOverallETA() {
        var m = ExperimentModel(config: Fixture.config)
        let ev = Fixture.events
        for e in ev.prefix(ev.count / 3) { m.apply(e) }
        XCTAssertGreaterThan(m.overallProgress, 0.2); XCTAssertLessThan(m.overallProgress, 0.5)
        XCTAssertNotNil(m.overallETA)
        XCTAssertGreaterThan(m.overallETA!, 0)
        XCTAssertNotNil(m.examplesPerSecond)
        for e in ev.dropFirst(ev.count / 3) { m.apply(e) }
        // DENI#1 failed at step 20 of 40: its half stays undone (5.5 of 6 runs).
        XCTAssertEqual(m.overallProgress, 5.5 / 6, accuracy: 1e-9)
        XCTAssertEqual(m.overallETA ?? 0, 0, accuracy: 1e-9)
    }
}

final class SetupFormTests: XCTestCase {
    /// A setting of the DENI strategy in the form.
    func deni(_ s: SetupState, _ key: String) -> SetupField {
        .strategySetting(s.config.strategies.firstIndex { $0.kind == .deni }!, key)
    }

    func testNumbersOutOfRangeAreRefusedWithTheValidatorsReason() {
        var s = Fixture.setup()
        XCTAssertEqual(s.commit(.epochs, text: "0"), "Epochs 0 is outside 1...1000")
        XCTAssertEqual(s.commit(.batchSize, text: "5000"), "Batch size 5000 is outside 1...4096")
        XCTAssertEqual(s.commit(.learningRate, text: "2"), "Learning rate 2 is outside 0 < lr < 1")
        XCTAssertEqual(s.commit(deni(s, "ensembleSize"), text: "65"), "Ensemble size K 65 is outside 1...64")
        XCTAssertEqual(s.commit(deni(s, "interpolationEnd"), text: "0.1"), "Interpolation end 0.1 is before its start 0.3")
        XCTAssertEqual(s.commit(deni(s, "noiseVariance"), text: "nan"), "'nan' is not a number")
        XCTAssertEqual(s.commit(.loraDropout, text: "1"), "LoRA dropout 1 is outside 0 ≤ p < 1")
        XCTAssertEqual(s.commit(.seed, text: "-1"), "'-1' is not a seed (0...2^64-1)")
        XCTAssertEqual(s.commit(.name, text: "a b"), "Experiment name 'a b' is not 1-64 letters, digits, '.', '_' or '-'")
        XCTAssertEqual(s.config, Fixture.config, "nothing changed")
    }

    func testValidValuesAreApplied() {
        var s = Fixture.setup()
        XCTAssertNil(s.commit(.learningRate, text: " 3e-5 "))
        XCTAssertEqual(s.config.learningRate, 3e-5)
        XCTAssertNil(s.commit(.learningRate, text: ""))
        XCTAssertNil(s.config.learningRate)
        XCTAssertEqual(s.placeholder(.learningRate), "paper: 0.0001")
        XCTAssertNil(s.commit(deni(s, "ensembleSize"), text: "5"))
        XCTAssertEqual(s.config.strategies.first { $0.kind == .deni }?.deni?.ensembleSize, 5)
        XCTAssertEqual(s.config.strategies.first { $0.kind == .deni }?.label, "DENI · K 5", "the label says what differs")
        XCTAssertNil(s.commit(deni(s, "period"), text: "50s"))
        XCTAssertEqual(s.config.strategies.first { $0.kind == .deni }?.deni?.period, .steps(50))
        XCTAssertNil(s.commit(deni(s, "roundLength"), text: "0.5 epochs"))
        XCTAssertEqual(s.config.strategies.first { $0.kind == .deni }?.deni?.roundLength, .epochs(0.5))
        XCTAssertEqual(s.commit(deni(s, "period"), text: "0s"), "Interpolation period 0 steps is below 1 step")
        XCTAssertEqual(s.commit(deni(s, "period"), text: "soon"), "'soon' is not a span: try '1e' (epochs) or '50s' (steps)")
        XCTAssertNil(s.commit(.seed, text: "18446744073709551615"))
        XCTAssertEqual(s.config.baseSeeds, Seeds(all: .max))
        XCTAssertNil(s.commit(.maxLength, text: "64"))
        XCTAssertEqual(s.value(.maxLength), "64")
    }

    /// The form sets each strategy's own settings: an Ensemble's K is the Ensemble's, DENI's is DENI's, and the
    /// noise baselines have their variance (issue: the form used to set DENI's fields only).
    func testEveryStrategyHasItsOwnSettings() {
        var s = Fixture.setup()
        XCTAssertNil(s.cycle(.strategy(.ensemble), by: 1))
        XCTAssertNil(s.cycle(.strategy(.inputNoise), by: 1))
        let ensemble = SetupField.strategySetting(s.config.strategies.firstIndex { $0.kind == .ensemble }!, "ensembleSize")
        XCTAssertTrue(s.fields.contains(ensemble))
        XCTAssertNil(s.commit(ensemble, text: "3"))
        XCTAssertEqual(s.config.strategies.first { $0.kind == .ensemble }?.settings, .ensemble(size: 3))
        XCTAssertEqual(s.config.strategies.first { $0.kind == .deni }?.deni?.ensembleSize, 10, "DENI keeps its own K")
        let noise = SetupField.strategySetting(s.config.strategies.firstIndex { $0.kind == .inputNoise }!, "noiseVariance")
        XCTAssertNil(s.commit(noise, text: "0.3"))
        XCTAssertEqual(s.config.strategies.first { $0.kind == .inputNoise }?.settings.noise?.noiseVariance, 0.3)
        XCTAssertEqual(s.cycle(deni(s, "noiseScope"), by: 1), nil, "noise scope is a choice in the form")
        XCTAssertEqual(s.config.strategies.first { $0.kind == .deni }?.deni?.noiseScope, .head)
    }

    func testDENIEditsSurviveDeselectingDENI() {
        var s = Fixture.setup()
        XCTAssertNil(s.commit(deni(s, "ensembleSize"), text: "4"))
        XCTAssertNil(s.cycle(.strategy(.deni), by: 1))
        XCTAssertEqual(s.config.strategies.map(\.kind), [.standard])
        XCTAssertEqual(s.cycle(.strategy(.standard), by: 1), "keep at least one strategy")
        XCTAssertNil(s.cycle(.strategy(.deni), by: 1))
        XCTAssertEqual(s.config.strategies.first { $0.kind == .deni }?.deni?.ensembleSize, 4)
    }

    func testPathsAreChecked() throws {
        var s = Fixture.setup()
        XCTAssertEqual(s.commit(.modelPath, text: "/no/such/dir"), "/no/such/dir does not exist")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("deni-ui-\(UUID().uuidString).csv")
        try Data("text,label\nhi,0\n".utf8).write(to: file)
        XCTAssertEqual(s.commit(.modelPath, text: file.path), "\(SetupState.short(file.path)) is not a folder")
        let emptyDir = FileManager.default.temporaryDirectory.appendingPathComponent("deni-ui-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: emptyDir, withIntermediateDirectories: true)
        XCTAssertEqual(s.commit(.modelPath, text: emptyDir.path), "config.json missing or unreadable in \(SetupState.short(emptyDir.path))")
        let model = try Fixture.modelFolder()
        XCTAssertNil(s.commit(.modelPath, text: model))
        XCTAssertEqual(s.config.modelPath, model)

        // Dataset: cycle to "file", then give a path.
        XCTAssertNil(s.cycle(.dataset, by: -1))
        XCTAssertTrue(s.datasetIsFile)
        XCTAssertTrue(s.fields.contains(.datasetPath))
        XCTAssertEqual(s.readiness(), "dataset file: enter a file path")
        XCTAssertEqual(s.commit(.datasetPath, text: emptyDir.path), "\(SetupState.short(emptyDir.path)) is a folder, not a file")
        XCTAssertNil(s.commit(.datasetPath, text: file.path))
        XCTAssertEqual(s.config.dataset, file.path)
        XCTAssertNil(s.readiness())
        XCTAssertNil(s.cycle(.dataset, by: 1))
        XCTAssertEqual(s.config.dataset, "trec")
    }

    func testAlreadyInvalidConfigStaysEditable() {
        var c = Fixture.config
        c.threads = 0   // invalid, and not a field of the form
        var s = Fixture.setup(config: c)
        XCTAssertNil(s.commit(.runs, text: "5"), "an unrelated pre-existing error does not block other fields")
        XCTAssertEqual(s.config.runs, 5)
        XCTAssertEqual(s.readiness(), "Threads 0 is outside 1...64")
    }
}

final class HostileInputTests: XCTestCase {
    /// Malformed events (absurd steps, NaN/inf values, negative counts, unknown runs) render without trapping.
    func testMalformedEventsRenderEverywhere() {
        let id = RunID(strategy: "DENI", run: 0)
        let nasty: [TrainingEvent] = [
            .runStart(id: id, seeds: .init(), totalSteps: .max, trainExamples: -5, time: .nan),
            .step(id: id, step: .max, epoch: .min, loss: .infinity, learningRate: .nan, time: .infinity),
            .step(id: id, step: -3, epoch: 0, loss: .nan, learningRate: -1, time: -1e300),
            .evaluation(id: id, step: .min, accuracy: .nan, macroF1: 1e308, loss: -.infinity, subset: true, time: 0),
            .phase(id: id, step: .max, phase: .interpolating, members: -2, detail: String(repeating: "漢\u{7}", count: 500), time: 0),
            .cost(id: id, step: 1, cost: CostCounters(modelSteps: .max, trainingFLOPs: .infinity, inferencePasses: -1, wallSeconds: .nan, peakMemoryBytes: .min)),
            .runEnd(id: id, status: .finished, metrics: RunMetrics(accuracy: .nan, macroF1: .infinity, perClassF1: [.nan, -1e300], confusion: [[.max, .min], []]),
                    cost: CostCounters(), failure: "\u{1B}[2J", step: .max, time: .nan),
            .log(level: "\u{0}", message: String(repeating: "x", count: 10_000), time: .nan),
        ]
        var s = Fixture.state(width: 160, height: 50)
        s.live = ExperimentModel(config: Fixture.config)
        s.training = .running
        _ = s.reduce(.events(nasty))
        _ = s.reduce(.tick(100))
        for screen in [Screen.live, .results] {
            s.screen = screen
            for mode in [ChartMode.runs, .strategies] {
                s.liveView.chartMode = mode
                _ = Renderer.render(s)
            }
        }
        s.results.drill = .strategy("DENI"); _ = Renderer.render(s)
        s.results.drill = .run(id); _ = Renderer.render(s)
        var p = Fixture.state()
        _ = p.reduce(.sessionLoaded(name: "nasty", LoadedSession(config: Fixture.config, events: nasty, table: nil)))
        _ = p.reduce(.tick(1)); _ = p.reduce(.tick(2))
        _ = Renderer.render(p)
    }
}
