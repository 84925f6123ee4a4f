import XCTest
import DeniCore
import DeniModel
@testable import DeniTraining

/// Every strategy end to end on the tiny model: it trains, evaluates, publishes coherent events and costs
/// what METHOD.md says.
final class StrategyEndToEndTests: XCTestCase {
    func run(_ setup: RunSetup, kind: AdapterSpec.Kind = .full) throws -> (RunOutcome, [TrainingEvent]) {
        Threads.set(1)
        let base = try Tiny.base(kind)
        let rec = Recorder()
        let outcome = TrainingRun(setup: setup, model: BertModel(layout: base.layout), base: base, sink: rec, control: nil).run()
        return (outcome, rec.events)
    }

    /// A control that pauses once (blocks 0.6 s in its third checkpoint), as the UI's `p` does.
    final class PausingControl: TrainingControl, @unchecked Sendable {
        private var calls = 0
        func checkpoint() -> Bool {
            calls += 1
            if calls == 3 { usleep(600_000) }
            return false
        }
    }

    /// Paused time is not running time: the events' times and the run's wall cost leave the pause out (the live
    /// ETA and speed come from them), and the results are those of an unpaused run.
    func testAPauseIsNotCountedAsRunningTime() throws {
        Threads.set(1)
        let base = try Tiny.base(.full)
        let (plain, _) = try run(Tiny.setup(.standard))
        let rec = Recorder()
        let started = Date()
        let paused = TrainingRun(setup: Tiny.setup(.standard), model: BertModel(layout: base.layout), base: base, sink: rec,
                                 control: PausingControl()).run()
        let wall = Date().timeIntervalSince(started)
        guard case let .runEnd(_, _, _, cost, _, _, time)? = rec.events.last else { return XCTFail("no run_end") }
        XCTAssertLessThanOrEqual(time, wall - 0.55, "the 0.6 s pause is left out of the event time")
        XCTAssertLessThanOrEqual(cost.wallSeconds, wall - 0.55, "and out of the run's wall cost")
        XCTAssertGreaterThan(time, 0)
        XCTAssertEqual(paused.metrics, plain.metrics, "pausing changes no result")
    }

    func testEveryStrategyTrainsAndEvaluates() throws {
        for kind in StrategyKind.allCases where kind != .augment && kind != .deniAugment {
            let (outcome, events) = try run(Tiny.setup(kind))
            XCTAssertEqual(outcome.status, .finished, "\(kind): \(outcome.failure ?? "")")
            let m = try XCTUnwrap(outcome.metrics, "\(kind)")
            XCTAssertEqual(m.confusion.flatMap { $0 }.reduce(0, +), 30)
            XCTAssertEqual(events.first?.kind, "run_start")
            XCTAssertEqual(events.last?.kind, "run_end")
            XCTAssertTrue(events.contains { $0.kind == "evaluation" }, "\(kind) published no evaluation")
        }
    }

    func testDefaultLearnsTheTinyTask() throws {
        let (outcome, events) = try run(Tiny.setup(.standard, epochs: 12))
        XCTAssertGreaterThan(try XCTUnwrap(outcome.metrics).accuracy, 60)   // chance is 33 %
        let losses = events.compactMap { e -> Double? in if case let .step(_, _, _, l, _, _) = e { return l } else { return nil } }
        XCTAssertLessThan(losses.suffix(12).reduce(0, +), losses.prefix(12).reduce(0, +) * 0.8)
    }

    func testCostsFollowTheSchedule() throws {
        let T = 4 * 6   // 48 examples, batch 8, 4 epochs
        XCTAssertEqual(try run(Tiny.setup(.standard)).0.cost.modelSteps, T)
        XCTAssertEqual(try run(Tiny.setup(.ensemble)).0.cost.modelSteps, 3 * T)
        let phases = DENISchedule.phases(totalSteps: T, stepsPerEpoch: 6, config: Tiny.setup(.deni).strategy.deni!)
        let expected = phases.reduce(0) { $0 + ($1 == .single ? 1 : 3) }
        let (deni, events) = try run(Tiny.setup(.deni))
        XCTAssertEqual(deni.cost.modelSteps, expected)
        let details = events.compactMap { e -> String? in if case let .phase(_, _, _, _, d, _) = e { return d } else { return nil } }
        var schedule = DENISchedule(totalSteps: T, stepsPerEpoch: 6, config: Tiny.setup(.deni).strategy.deni!)
        var rounds = 0
        for step in 1...T { if schedule.before(step: step) == .startRound { rounds += 1 }; schedule.after() }
        XCTAssertGreaterThan(rounds, 0)
        XCTAssertEqual(details.filter { $0.contains("round") && $0.contains("started") }.count, rounds)
        XCTAssertEqual(details.filter { $0.contains("delayed ensemble") }.count, 1)
    }

    func testSameSeedsSameResultsBitForBit() throws {
        for kind in [StrategyKind.deni, .mixout, .inputNoise] {
            let (a, ea) = try run(Tiny.setup(kind))
            let (b, eb) = try run(Tiny.setup(kind))
            XCTAssertEqual(a.predictions, b.predictions)
            let la = ea.compactMap { e -> Double? in if case let .step(_, _, _, l, _, _) = e { return l } else { return nil } }
            let lb = eb.compactMap { e -> Double? in if case let .step(_, _, _, l, _, _) = e { return l } else { return nil } }
            XCTAssertEqual(la, lb, "\(kind) is not deterministic")
        }
        let (c, _) = try run(Tiny.setup(.standard, seeds: Seeds(all: 4)))
        let (d, _) = try run(Tiny.setup(.standard, seeds: Seeds(all: 3)))
        XCTAssertNotEqual(c.predictions, d.predictions)
    }

    /// With two threads DENI's copies train side by side; the result is still a function of the seeds.
    func testTwoThreadsAreDeterministic() throws {
        let base = try Tiny.base()
        func once() -> (RunOutcome, [Double]) {
            Threads.set(2)
            defer { Threads.set(1) }
            let rec = Recorder()
            let o = TrainingRun(setup: Tiny.setup(.deni), model: BertModel(layout: base.layout), base: base, sink: rec, control: nil).run()
            return (o, rec.events.compactMap { e -> Double? in if case let .step(_, _, _, l, _, _) = e { return l } else { return nil } })
        }
        let (a, la) = once(), (b, lb) = once()
        XCTAssertEqual(a.predictions, b.predictions)
        XCTAssertEqual(la, lb)
    }

    /// Ensemble member 0 uses the run's own streams, so it is the Default run with the same seeds.
    func testEnsembleMemberZeroIsTheDefaultRun() throws {
        let (_, e1) = try run(Tiny.setup(.standard))
        let (_, e2) = try run(Tiny.setup(.ensemble))
        let l1 = e1.compactMap { e -> Double? in if case let .step(_, _, _, l, _, _) = e { return l } else { return nil } }
        let l2 = e2.compactMap { e -> Double? in if case let .step(_, _, _, l, _, _) = e { return l } else { return nil } }
        XCTAssertEqual(l1, l2)
    }

    func testWorksWithLoRAAndIA3() throws {
        for tuning in [AdapterSpec.Kind.lora, .ia3] {
            var s = Tiny.setup(.deni)
            s.fullFineTuning = false
            let (o, _) = try run(s, kind: tuning)
            XCTAssertEqual(o.status, .finished)
        }
    }

    /// SWA's average equals the hand-computed mean of the weights after each averaged step.
    func testSWAAverageMatchesHandComputation() throws {
        Threads.set(1)
        let base = try Tiny.base()
        let setup = Tiny.setup(.swa) { $0.settings = .swa(start: 0.5) }
        let run = TrainingRun(setup: setup, model: BertModel(layout: base.layout), base: base, sink: nil, control: nil)
        let swa = SWAStrategy(start: 0.5)
        final class Snapshots: MitigationStrategy {
            let inner: SWAStrategy; var sum: [Double] = []; var n = 0; let start: Int
            init(_ s: SWAStrategy, start: Int) { inner = s; self.start = start }
            func afterStep(_ run: TrainingRun, step: Int) {
                inner.afterStep(run, step: step)
                guard step >= start else { return }
                let p = run.main.weights.params.array
                if sum.isEmpty { sum = [Double](repeating: 0, count: p.count) }
                for i in p.indices { sum[i] += Double(p[i]) }
                n += 1
            }
        }
        let probe = Snapshots(swa, start: 12)
        run.mainForTesting()
        _ = try run.trainLoop(probe, member: run.main, order: setup.seeds.stream(.order), publishSteps: false)
        let avg = try XCTUnwrap(swa.average)
        for i in stride(from: 0, to: avg.params.count, by: 53) {
            XCTAssertEqual(Double(avg.params[i]), probe.sum[i] / Double(probe.n), accuracy: 1e-5)
        }
        XCTAssertEqual(probe.n, 13)
    }

    /// Mixout's training weight has expectation w: E[mask·u + (1−mask)·w − p·u] / (1 − p) = w.
    func testMixoutExpectation() throws {
        Threads.set(1)
        let base = try Tiny.base()
        let setup = Tiny.setup(.mixout)
        let run = TrainingRun(setup: setup, model: BertModel(layout: base.layout), base: base, sink: nil, control: nil)
        run.mainForTesting()
        let mix = MixoutStrategy(p: 0.9)
        try mix.prepare(run)
        // Move the weights away from the target so the expectation is informative.
        let id = base.layout.id("classifier.weight")!
        for i in 0..<base.layout.tensors[id].count { run.main.weights.pointer(id)[i] += 0.5 }
        let w = run.main.weights.tensor("classifier.weight")!
        var mean = [Double](repeating: 0, count: w.count)
        let draws = 20_000
        let batch = Batch(sequences: [([1, 2], [0, 0])], labels: [0])
        for _ in 0..<draws {
            let h = mix.hooks(run, step: 1, batch: batch)
            for i in w.indices { mean[i] += Double(h.headWeight![i]) / Double(draws) }
        }
        for i in w.indices { XCTAssertEqual(mean[i], Double(w[i]), accuracy: 0.06) }
    }

    func testEMAMatchesHandComputation() throws {
        Threads.set(1)
        let base = try Tiny.base()
        let setup = Tiny.setup(.ema)
        let run = TrainingRun(setup: setup, model: BertModel(layout: base.layout), base: base, sink: nil, control: nil)
        run.mainForTesting()
        let ema = EMAStrategy(decay: 0.9, biasCorrection: false)
        try ema.prepare(run)
        var expected = run.main.weights.params.array.map(Double.init)
        for step in 1...5 {
            run.main.trainStep(run.model, Batch(sequences: [([1, 5, 2], [0, 0, 0])], labels: [0]))
            ema.afterStep(run, step: step)
            let p = run.main.weights.params.array
            for i in expected.indices { expected[i] = 0.9 * expected[i] + 0.1 * Double(p[i]) }
        }
        let got = ema.predictors(run)[0].params.array
        for i in stride(from: 0, to: got.count, by: 41) { XCTAssertEqual(Double(got[i]), expected[i], accuracy: 1e-5) }
    }

    func testDivergedRunIsMarkedFailedWithItsStep() throws {
        var s = Tiny.setup(.standard)
        s.learningRate = 1e30
        let (o, events) = try run(s)
        XCTAssertEqual(o.status, .failed)
        XCTAssertTrue(o.failure?.contains("diverged at step") == true, o.failure ?? "")
        XCTAssertEqual(events.last?.kind, "run_end")
    }
}
