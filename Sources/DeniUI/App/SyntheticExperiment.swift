import DeniCore
import DeniExperiments
import DeniTraining

/// Synthetic but realistically shaped training events for an `ExperimentConfig`: decaying noisy losses,
/// rising evaluation curves, DENI's phases (interpolation rounds between 30 % and 60 %, the delayed ensemble
/// from 90 %), cost counters and final metrics. Used by the UI benchmark and the tests' fake driver;
/// it trains nothing.
public struct SyntheticExperiment: Sendable {
    public var config: ExperimentConfig
    public var classes: Int
    public var stepsPerRun: Int
    /// Runs that end `failed` (to exercise failure display).
    public var failing: Set<RunID>
    /// Seconds of event time per step.
    public var secondsPerStep: Double

    public init(config: ExperimentConfig, classes: Int = 6, stepsPerRun: Int? = nil, failing: Set<RunID> = [], secondsPerStep: Double = 0.05) {
        self.config = config; self.classes = max(2, classes)
        self.stepsPerRun = max(4, stepsPerRun ?? config.epochs * max(1, (config.trainSamples + config.batchSize - 1) / config.batchSize))
        self.failing = failing; self.secondsPerStep = secondsPerStep
    }

    /// The strategy name runs are reported under (the display name, as the results table uses).
    public func name(_ s: StrategyConfig) -> String { s.label }

    /// Events of one run, starting at event time `t0`.
    public func runEvents(strategy: Int, run: Int, t0: Double = 0) -> [TrainingEvent] {
        let s = config.strategies[strategy]
        let id = RunID(strategy: name(s), run: run)
        var rng = RandomStream(key: UInt64(strategy) &* 0x9E37_79B9 &+ UInt64(run) &* 0x85EB_CA6B &+ 17)
        let T = stepsPerRun
        let perEpoch = max(1, T / max(1, config.epochs))
        let evalEvery = config.evalEvery > 0 ? config.evalEvery : perEpoch
        let deniFamily = s.kind.isDENIFamily
        let d = s.deni ?? DENIConfig()
        let K: Int = if case .ensemble(let k) = s.settings { k } else { deniFamily ? d.ensembleSize : 1 }
        let quality = 70 + Double(strategy % 5) * 2 + rng.nextDouble() * 8 - (deniFamily ? 0 : 3 * rng.nextDouble())
        var ev: [TrainingEvent] = []
        var t = t0
        ev.append(.runStart(id: id, seeds: config.seeds(run: run), totalSteps: T, trainExamples: config.trainSamples, time: t))
        var modelSteps = 0
        let failAt = failing.contains(id) ? T / 2 : nil
        let interpStart = Int(d.interpolationStart * Double(T)), interpEnd = Int(d.interpolationEnd * Double(T))
        let ensembleAt = Int(d.ensembleStart * Double(T))
        var inRound = false, ensemble = false
        for step in 1...T {
            t += secondsPerStep
            if let f = failAt, step == f {
                ev.append(.log(level: "error", message: "\(id): loss became NaN at step \(step)", time: t))
                ev.append(.runEnd(id: id, status: .failed, metrics: nil, cost: cost(modelSteps, t - t0), failure: "loss became NaN at step \(step)", step: step, time: t))
                return ev
            }
            let x = Double(step) / Double(T)
            let loss = 0.15 + 1.6 * (1 - x) * (1 - x) + 0.12 * (rng.nextDouble() - 0.5) + (inRound ? 0.1 : 0)
            if deniFamily && s.kind != .de {
                if !ensemble && step >= interpStart && step < interpEnd && (step - interpStart) % perEpoch == 0 {
                    inRound = true
                    ev.append(.phase(id: id, step: step, phase: .interpolating, members: K, detail: "round \((step - interpStart) / perEpoch + 1), noise \(d.noiseVariance)", time: t))
                } else if inRound && (step - interpStart) % perEpoch == perEpoch / 2 {
                    inRound = false
                    ev.append(.phase(id: id, step: step, phase: .single, members: 1, detail: "averaged \(K) copies", time: t))
                }
            }
            if deniFamily && s.kind != .ni && !ensemble && step >= ensembleAt {
                ensemble = true; inRound = false
                ev.append(.phase(id: id, step: step, phase: .ensemble, members: K, detail: "\(K) members, \(d.vote.rawValue) vote", time: t))
            }
            modelSteps += s.kind == .ensemble ? K : ((inRound || ensemble) ? K : 1)
            ev.append(.step(id: id, step: step, epoch: (step - 1) / perEpoch + 1, loss: loss, learningRate: config.effectiveLearningRate * (1 - x), time: t))
            if step % evalEvery == 0 || step == T {
                let f1 = quality * (1 - 0.6 * (1 - x) * (1 - x)) + 2 * (rng.nextDouble() - 0.5)
                ev.append(.evaluation(id: id, step: step, accuracy: min(100, f1 + 2), macroF1: f1, loss: loss * 1.1, subset: true, time: t))
            }
            if step % 10 == 0 || step == T { ev.append(.cost(id: id, step: step, cost: cost(modelSteps, t - t0))) }
            if step == T / 2 { ev.append(.log(level: "info", message: "\(id) halfway", time: t)) }
        }
        let f1 = quality + 2 * (rng.nextDouble() - 0.5)
        let perClass = (0..<classes).map { _ in min(100, max(0, f1 + 10 * (rng.nextDouble() - 0.5))) }
        let confusion = (0..<classes).map { i in (0..<classes).map { j in i == j ? 40 + Int(rng.nextDouble() * 20) : Int(rng.nextDouble() * 4) } }
        ev.append(.runEnd(id: id, status: .finished, metrics: RunMetrics(accuracy: min(100, f1 + 2), macroF1: f1, perClassF1: perClass, confusion: confusion),
                          cost: cost(modelSteps, t - t0), failure: nil, step: T, time: t))
        return ev
    }

    private func cost(_ steps: Int, _ wall: Double) -> CostCounters {
        CostCounters(modelSteps: steps, trainingFLOPs: Double(steps) * 6.2e9, inferencePasses: steps / 4, wallSeconds: wall, peakMemoryBytes: 420 << 20)
    }

    /// All runs, run-major as the runner orders them (run 0 of every strategy, then run 1, …).
    public func allEvents() -> [TrainingEvent] {
        var out: [TrainingEvent] = [.log(level: "info", message: "experiment \(config.name): \(config.strategies.count) strategies × \(config.runs) runs", time: 0)]
        var t = 0.0
        for run in config.runIndices {
            for s in config.strategies.indices {
                let ev = runEvents(strategy: s, run: run, t0: t)
                out += ev
                t += Double(stepsPerRun) * secondsPerStep
            }
        }
        return out
    }
}
