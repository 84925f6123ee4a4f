import DeniTraining

/// The recorded curves of one run, in step order.
public struct RunCurve: Hashable, Sendable {
    public var id: RunID
    /// Training steps: step number, wall seconds, mean batch loss, learning rate.
    public var steps: [Int] = []
    public var time: [Double] = []
    public var loss: [Double] = []
    public var learningRate: [Double] = []
    /// Evaluations (subset or full test split; the last one recorded at a step wins).
    public var evalSteps: [Int] = []
    public var evalMacroF1: [Double] = []
    public var evalAccuracy: [Double] = []
    public var evalLoss: [Double] = []
    /// Phase changes (DENI's interpolation rounds and delayed ensemble), in order: the step each began at.
    public var phaseSteps: [Int] = []
    public var phases: [TrainingPhase] = []
    /// How the run ended (its last `run_end`); nil when it has not: the experiment stopped (or is still running).
    public var status: RunStatus?

    public init(id: RunID) { self.id = id }

    /// Whether the run finished: only finished runs enter a strategy's mean and its n.
    public var isFinished: Bool { status == .finished }

    /// The steps spent interpolating or in the delayed ensemble: (phase, first step, last step), from the phase
    /// events; a phase lasts until the next one, the last until the run's last recorded step.
    public var phaseSpans: [(phase: TrainingPhase, from: Int, to: Int)] {
        phases.indices.compactMap { i in
            guard phases[i] != .single else { return nil }
            let end = i + 1 < phaseSteps.count ? phaseSteps[i + 1] : max(steps.last ?? phaseSteps[i], phaseSteps[i])
            return (phases[i], phaseSteps[i], end)
        }
    }

    /// The way the run ended: finished, failed, cancelled, or interrupted when it never ended.
    public var endState: RunState { RunState(ended: status) }
}

/// Per-run curves of a session, ordered by the config's strategies, then run index; runs of strategies the
/// config does not name come last. A `run_start` for a run already seen starts its curve afresh (a resumed
/// experiment re-runs unfinished runs).
public struct SessionCurves: Sendable {
    public var runs: [RunCurve]
    /// Strategy names in plotting order (stable colours follow this order).
    public var strategies: [String]

    public init(config: ExperimentConfig, events: [TrainingEvent]) {
        var curves: [RunID: RunCurve] = [:]
        for event in events {
            switch event {
            case let .runStart(id, _, _, _, _):
                curves[id] = RunCurve(id: id)
            case let .step(id, step, _, loss, lr, time):
                curves[id, default: RunCurve(id: id)].steps.append(step)
                curves[id]!.time.append(time)
                curves[id]!.loss.append(loss)
                curves[id]!.learningRate.append(lr)
            case let .evaluation(id, step, accuracy, macroF1, loss, _, _):
                var c = curves[id, default: RunCurve(id: id)]
                if c.evalSteps.last == step {
                    c.evalMacroF1[c.evalMacroF1.count - 1] = macroF1
                    c.evalAccuracy[c.evalAccuracy.count - 1] = accuracy
                    c.evalLoss[c.evalLoss.count - 1] = loss
                } else {
                    c.evalSteps.append(step); c.evalMacroF1.append(macroF1); c.evalAccuracy.append(accuracy); c.evalLoss.append(loss)
                }
                curves[id] = c
            case let .phase(id, step, phase, _, _, _):
                curves[id, default: RunCurve(id: id)].phaseSteps.append(step)
                curves[id]!.phases.append(phase)
            case let .runEnd(id, status, _, _, _, _, _):
                curves[id, default: RunCurve(id: id)].status = status
            default: break
            }
        }
        var order = config.strategies.map(\.label)
        for name in Set(curves.keys.map(\.strategy)).subtracting(order).sorted() { order.append(name) }
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let sorted = curves.values.sorted { (rank[$0.id.strategy]!, $0.id.run) < (rank[$1.id.strategy]!, $1.id.run) }
        runs = sorted
        strategies = order.filter { name in sorted.contains { $0.id.strategy == name } }
    }
}
