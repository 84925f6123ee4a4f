import DeniCore
import DeniModel

/// SWA: the equal average of the weights after every step from `start`·T to the end; the average predicts.
final class SWAStrategy: MitigationStrategy {
    let start: Double
    var average: ModelWeights?
    var count = 0
    init(start: Double) { self.start = start }

    func afterStep(_ run: TrainingRun, step: Int) {
        guard step >= Int((start * Double(run.setup.totalSteps)).rounded(.down)) else { return }
        let w = run.main.weights
        guard let avg = average else { average = w.clone(); count = 1; return }
        count += 1
        let n = avg.params.count, k = Float(count)
        let a = avg.params.pointer, p = w.params.pointer
        for i in 0..<n { a[i] += (p[i] - a[i]) / k }
    }

    func predictors(_ run: TrainingRun) -> [ModelWeights] { [average ?? run.main.weights] }
}

/// EMA of the weights, ema ← d·ema + (1 − d)·w after every step; the EMA predicts (in eval mode).
/// With bias correction the average starts at zero and is divided by 1 − dᵗ.
final class EMAStrategy: MitigationStrategy {
    let decay: Float
    let biasCorrection: Bool
    var ema: ModelWeights?
    var steps = 0
    init(decay: Double, biasCorrection: Bool) { self.decay = Float(decay); self.biasCorrection = biasCorrection }

    func prepare(_ run: TrainingRun) throws {
        let e = run.main.weights.clone()
        if biasCorrection { e.params.zero() }
        ema = e
    }

    func afterStep(_ run: TrainingRun, step: Int) {
        guard let e = ema else { return }
        steps += 1
        let d = decay, a = e.params.pointer, p = run.main.weights.params.pointer
        for i in 0..<e.params.count { a[i] = d * a[i] + (1 - d) * p[i] }
    }

    func predictors(_ run: TrainingRun) -> [ModelWeights] {
        guard let e = ema else { return [run.main.weights] }
        guard biasCorrection, steps > 0 else { return [e] }
        let out = e.clone()
        let c = 1 - powf(decay, Float(steps))
        for i in 0..<out.params.count { out.params[i] /= c }
        return [out]
    }
}

#if canImport(Glibc)
import Glibc
#endif
