import DeniCore
import DeniModel

/// Gaussian noise N(0, var) on the pooled vector before dropout and head, on every `every`-th step from
/// `start` to `end`; on those steps only the head trains.
final class InputNoiseStrategy: MitigationStrategy {
    let c: NoiseSettings
    init(_ c: NoiseSettings) { self.c = c }

    func hooks(_ run: TrainingRun, step: Int, batch: Batch) -> Member.StepHooks {
        var h = Member.StepHooks()
        guard isNoiseStep(step, total: run.setup.totalSteps, start: c.noiseStart, end: c.noiseEnd, every: c.noiseEvery) else { return h }
        let H = run.base.layout.spec.config.hiddenSize
        let sd = Float(c.noiseVariance.squareRoot())
        h.pooledNoise = (0..<(batch.size * H)).map { _ in sd * run.noise.nextNormal() }
        h.headOnly = true
        return h
    }
}

/// Persistent Gaussian noise added to the weights at the same times: sd = sqrt(var / step) · std(p).
final class WeightNoiseStrategy: MitigationStrategy {
    let c: NoiseSettings
    init(_ c: NoiseSettings) { self.c = c }

    func beforeStep(_ run: TrainingRun, step: Int) {
        guard isNoiseStep(step, total: run.setup.totalSteps, start: c.noiseStart, end: c.noiseEnd, every: c.noiseEvery) else { return }
        let scope = WeightOps.scope(run.base.layout, run.defaultScope(c.noiseScope))
        WeightOps.perturb(run.main.weights, tensors: scope, scale: (c.noiseVariance / Double(step)).squareRoot(), scaling: .std, stream: &run.noise)
    }
}

/// NoisyTune: perturb the trainable weights once before training, sd = sqrt(var) · std(p).
final class PriorNoiseStrategy: MitigationStrategy {
    let c: NoiseSettings
    init(_ c: NoiseSettings) { self.c = c }

    func prepare(_ run: TrainingRun) throws {
        let scope = WeightOps.scope(run.base.layout, .trainable)
        WeightOps.perturb(run.main.weights, tensors: scope, scale: c.noiseVariance.squareRoot(), scaling: .std, stream: &run.noise)
    }
}
