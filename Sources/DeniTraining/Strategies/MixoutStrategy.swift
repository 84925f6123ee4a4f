import DeniCore
import DeniModel

/// Mixout on the head: in training each weight element is swapped for its target u (the head's initial
/// weights) with probability p, rescaled: w' = (mask·u + (1 − mask)·w − p·u) / (1 − p); dw = dw' (1 − mask)/(1 − p).
/// Evaluation uses the plain weights. The dropout before the head is 0. Masks come from the dropout stream.
final class MixoutStrategy: MitigationStrategy {
    let p: Float
    var target: [Float] = []
    init(p: Double) { self.p = Float(p) }

    func prepare(_ run: TrainingRun) throws {
        target = run.main.weights.tensor("classifier.weight")!
    }

    func hooks(_ run: TrainingRun, step: Int, batch: Batch) -> Member.StepHooks {
        var h = Member.StepHooks()
        h.headDropout = 0
        let w = run.main.weights.tensor("classifier.weight")!
        var mask = [Float](repeating: 0, count: w.count)
        for i in 0..<w.count { mask[i] = run.main.dropout.nextFloat() < p ? 1 : 0 }
        let scale = 1 / (1 - p)
        h.headWeight = (0..<w.count).map { i in (mask[i] * target[i] + (1 - mask[i]) * w[i] - p * target[i]) * scale }
        let id = run.base.layout.id("classifier.weight")!
        h.afterBackward = { g in
            guard let gp = g.pointer(id) else { return }
            for i in 0..<mask.count { gp[i] *= (1 - mask[i]) * scale }
        }
        return h
    }
}
