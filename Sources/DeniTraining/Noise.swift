import DeniCore
import DeniModel

/// Weight perturbation, averaging and voting: the flat-loop operations DENI and its baselines are made of.
public enum WeightOps {
    /// The tensors a noise scope touches. Frozen tensors are shared by every copy and never perturbed, so
    /// `.all` equals `.trainable` in this engine.
    public static func scope(_ layout: ParameterLayout, _ scope: NoiseScope) -> [TensorSpec] {
        layout.tensors(inScopeHeadOnly: scope == .head)
    }

    /// Unbiased standard deviation of a tensor (Double accumulation).
    public static func std(_ p: UnsafePointer<Float>, count: Int) -> Double {
        guard count > 1 else { return 0 }
        var s = 0.0
        for i in 0..<count { s += Double(p[i]) }
        let mean = s / Double(count)
        var ss = 0.0
        for i in 0..<count { let d = Double(p[i]) - mean; ss += d * d }
        return (ss / Double(count - 1)).squareRoot()
    }

    /// p += scale · std(p) · N(0, 1) for every tensor in `tensors` (std computed at the draw; `absolute`
    /// scaling drops the std factor). Draws come from `stream` only.
    public static func perturb(_ w: ModelWeights, tensors: [TensorSpec], scale: Double, scaling: NoiseScaling, stream: inout RandomStream) {
        for t in tensors where t.trainable {
            let p = w.params.pointer + t.offset
            let sd = Float(scale * (scaling == .std ? std(p, count: t.count) : 1))
            if sd == 0 { continue }
            for i in 0..<t.count { p[i] += sd * stream.nextNormal() }
        }
    }

    /// target = mean over `members` of every trainable parameter (equal weights). `target` may be a member.
    public static func average(into target: ModelWeights, _ members: [ModelWeights]) {
        let n = target.params.count, k = Float(members.count)
        let ptrs = members.map { UncheckedSendable($0.params.pointer) }
        let out = UncheckedSendable(target.params.pointer)
        parallelFor(n, minimumPerChunk: 65_536) { range in
            for i in range {
                var s: Float = 0
                for p in ptrs { s += p.value[i] }
                out.value[i] = s / k
            }
        }
    }

    /// Majority vote of argmax labels, ties to the lowest class index (hard); or argmax of the mean
    /// probability (soft, ties likewise). probs[member][example][class].
    public static func vote(_ probs: [[[Float]]], soft: Bool) -> [Int] {
        guard let first = probs.first else { return [] }
        let C = first.first?.count ?? 0
        return (0..<first.count).map { i in
            var score = [Float](repeating: 0, count: C)
            for m in probs {
                if soft { for c in 0..<C { score[c] += m[i][c] } } else { score[argmax(m[i])] += 1 }
            }
            return argmax(score)
        }
    }

    /// Index of the largest value, the lowest index on ties.
    public static func argmax(_ x: [Float]) -> Int {
        var best = 0
        for i in 1..<max(1, x.count) where x[i] > x[best] { best = i }
        return best
    }
}
