import DeniCore
import DeniModel
import Foundation

/// Adam / AdamW with PyTorch's semantics (bias-corrected moments; `eps` added after the square root).
///
/// Moments mirror the trainable buffer. Each tensor keeps its own step count: a tensor that received no
/// gradient in a step (the encoder on a head-only step) is skipped — not stepped with zero — exactly as
/// PyTorch skips parameters whose `.grad` is None. Word-embedding rows that never had a gradient have zero
/// moments and are skipped; rows that had one are updated every step (their moments keep decaying).
public final class Adam: @unchecked Sendable {
    public struct Settings: Codable, Hashable, Sendable {
        public var beta1: Float = 0.9
        public var beta2: Float = 0.999
        public var eps: Float = 1e-8
        /// Decoupled weight decay (AdamW); 0 = Adam.
        public var weightDecay: Float = 0
        /// Clip the global gradient L2 norm to this value (nil = no clipping).
        public var clipNorm: Float? = nil
        /// Learning-rate multiplier per parameter group (role); missing roles use 1.
        public var groupScale: [String: Float] = [:]
        public init() {}
    }

    public let settings: Settings
    public let m: FloatBuffer
    public let v: FloatBuffer
    public private(set) var steps: [Int]
    let layout: ParameterLayout

    public init(layout: ParameterLayout, settings: Settings = Settings()) {
        self.layout = layout; self.settings = settings
        m = FloatBuffer(count: layout.trainableCount); v = FloatBuffer(count: layout.trainableCount)
        steps = [Int](repeating: 0, count: layout.tensors.count)
    }

    /// A copy of this optimiser's state (for a model copy that inherits it).
    public func clone() -> Adam {
        let a = Adam(layout: layout, settings: settings)
        a.m.copy(from: m); a.v.copy(from: v); a.steps = steps
        return a
    }

    /// One update of `weights` with gradients `g` at learning rate `lr`.
    public func step(_ weights: ModelWeights, _ g: Gradients, lr: Float) {
        FloatingPointMode.enter()
        var clip: Float = 1
        if let maxNorm = settings.clipNorm {
            let norm = Float(g.squaredNorm().squareRoot())
            if norm > maxNorm { clip = maxNorm / (norm + 1e-6) }
        }
        let (b1, b2, eps, wd) = (settings.beta1, settings.beta2, settings.eps, settings.weightDecay)
        for (id, t) in layout.tensors.enumerated() where t.trainable {
            if g.headOnly && !t.isHead { continue }
            steps[id] += 1
            let s = Float(steps[id])
            let lrT = lr * (settings.groupScale[t.role.rawValue] ?? 1)
            let c1 = 1 - powf(b1, s), c2 = 1 - powf(b2, s)
            let stepSize = lrT / c1, c2Root = c2.squareRoot()
            let p = weights.params.pointer + t.offset, gp = g.buffer.pointer + t.offset
            let mp = m.pointer + t.offset, vp = v.pointer + t.offset
            // update(range): the PyTorch Adam step on elements [lo, hi)
            // Moments under the smallest normal float are 0: a moment that only decays (an embedding row
            // not in the batch, m × 0.9 per step) would otherwise turn subnormal after ~700 steps.
            let tiny = Float.leastNormalMagnitude
            let update = { (lo: Int, hi: Int) in
                for i in lo..<hi {
                    let gi = gp[i] * clip
                    let mi = b1 * mp[i] + (1 - b1) * gi, vi = b2 * vp[i] + (1 - b2) * gi * gi
                    mp[i] = abs(mi) < tiny ? 0 : mi
                    vp[i] = vi < tiny ? 0 : vi
                    if wd > 0 { p[i] -= lrT * wd * p[i] }
                    p[i] -= stepSize * mp[i] / (vp[i].squareRoot() / c2Root + eps)
                }
            }
            if let e = g.embedding, t.offset == e.offset, t.role == .embedding, t.shape[0] == e.rows {
                for r in g.everRows { update(Int(r) * e.width, Int(r) * e.width + e.width) }
            } else {
                parallelFor(t.count, minimumPerChunk: 32_768) { range in update(range.lowerBound, range.upperBound) }
            }
        }
    }

    /// Forgets all state (a fresh optimiser).
    public func reset() {
        m.zero(); v.zero()
        steps = [Int](repeating: 0, count: steps.count)
    }
}

/// Linear warmup then linear decay to 0 (the protocol: no warmup), or a constant rate.
public struct LearningRateSchedule: Hashable, Sendable {
    public var base: Double
    public var totalSteps: Int
    public var warmupSteps: Int = 0
    public var constant = false

    public init(base: Double, totalSteps: Int, warmupSteps: Int = 0, constant: Bool = false) {
        self.base = base; self.totalSteps = totalSteps; self.warmupSteps = warmupSteps; self.constant = constant
    }

    /// The rate used for optimiser step `step` (1-based), as transformers' linear schedule computes it
    /// for the scheduler value before that step (step − 1 scheduler calls have happened).
    public func rate(step: Int) -> Double {
        if constant { return base }
        let s = step - 1
        if s < warmupSteps { return base * Double(s) / Double(max(1, warmupSteps)) }
        return base * max(0, Double(totalSteps - s) / Double(max(1, totalSteps - warmupSteps)))
    }
}
