import DeniCore
import DeniModel

/// DENI (and DE / NI alone), exactly as METHOD.md specifies: noisy-interpolation rounds inside the window,
/// then a delayed ensemble of the main model and K − 1 noisy copies that each predict with their own weights.
final class DENIStrategy: MitigationStrategy {
    let c: DENIConfig
    var schedule: DENISchedule?
    var rounds = 0
    var vote: Vote { c.vote }

    init(_ c: DENIConfig, interpolation: Bool, ensemble: Bool) {
        self.c = c
        self.interpolation = interpolation; self.ensemble = ensemble
    }
    let interpolation: Bool, ensemble: Bool

    func prepare(_ run: TrainingRun) throws {
        schedule = DENISchedule(totalSteps: run.setup.totalSteps, stepsPerEpoch: run.setup.stepsPerEpoch, config: c,
                                interpolation: interpolation, ensemble: ensemble)
    }

    func beforeStep(_ run: TrainingRun, step: Int) {
        guard let action = schedule?.before(step: step) else { return }
        switch action {
        case .startRound:
            rounds += 1
            let scale = c.anneal ? (c.noiseVariance / Double(step)).squareRoot() : c.noiseVariance.squareRoot()
            run.copies = makeCopies(run, scale: scale, tag: UInt64(rounds))
            run.phase = .interpolating
            run.publish(.phase(id: run.setup.id, step: step, phase: .interpolating, members: run.copies.count + 1,
                               detail: "interpolation round \(rounds) started (noise sd \(c.anneal ? "√(σ²/step) = √(\(c.noiseVariance)/\(step))" : "√σ²") = "
                                   + String(format: "%.4f", scale) + (c.noiseScaling == .std ? " × each tensor's std)" : ")"), time: run.time))
        case .endRound:
            WeightOps.average(into: run.main.weights, [run.main.weights] + run.copies.map(\.weights))
            let n = run.copies.count + 1
            run.copies = []
            run.phase = .single
            run.publish(.phase(id: run.setup.id, step: step, phase: .single, members: 1,
                               detail: "interpolation round \(rounds) ended: averaged \(n) models", time: run.time))
        case .startEnsemble:
            run.copies = makeCopies(run, scale: c.noiseVariance.squareRoot(), tag: 1_000)
            run.phase = .ensemble
            run.publish(.phase(id: run.setup.id, step: step, phase: .ensemble, members: run.copies.count + 1,
                               detail: "delayed ensemble of \(run.copies.count + 1) members created", time: run.time))
        }
    }

    func afterStep(_ run: TrainingRun, step: Int) { schedule?.after() }

    /// K − 1 clones of the main model, each perturbed with `scale` · std(p) in the noise scope.
    private func makeCopies(_ run: TrainingRun, scale: Double, tag: UInt64) -> [Member] {
        let scope = WeightOps.scope(run.base.layout, run.defaultScope(c.noiseScope))
        let main = run.main!
        return (1..<max(1, c.ensembleSize)).map { k in
            let w = main.weights.clone()
            WeightOps.perturb(w, tensors: scope, scale: scale, scaling: c.noiseScaling, stream: &run.noise)
            let adam = c.copyOptimizer == .inherited ? main.adam.clone() : Adam(layout: run.base.layout, settings: main.adam.settings)
            var schedule = main.schedule
            schedule.constant = c.copyLearningRate == .constant
            let dropout = c.copyDropout == .shared ? run.setup.seeds.stream(.dropout).substream(1 << 40)
                                                   : run.setup.seeds.stream(.dropout).substream(tag << 8 | UInt64(k))
            let m = Member(weights: w, adam: adam, schedule: schedule, dropout: dropout)
            if c.copyOptimizer == .inherited { m.grads.copyHistory(from: main.grads) }
            if c.copyLearningRate == .scheduled { m.scheduleOffset = main.steps + main.scheduleOffset }
            return m
        }
    }

    func predictors(_ run: TrainingRun) -> [ModelWeights] {
        run.phase == .ensemble ? [run.main.weights] + run.copies.map(\.weights) : [run.main.weights]
    }
}
