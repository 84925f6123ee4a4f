import DeniCore
import DeniModel
import Foundation

/// Throughput of the engine on the shapes the team compares with PyTorch: training steps (Adam, dropout
/// on, mean pooling, dropout 0.3, 6-class head, random ids without padding) and eval forward passes.
public enum EngineBenchmark {
    public struct Row: Codable, Sendable {
        public var tuning: String
        public var kind: String
        /// The GEMM backend that ran the row (`GEMM.backend.name`).
        public var gemm: String
        public var batch: Int
        public var length: Int
        public var examples_per_s: Double
        public var gflops: Double
        public var sgemm_fraction: Double
        public var peak_rss_mb: Double
        public var steps: Int
        public var pytorch_examples_per_s: Double?
        public var ratio_vs_pytorch: Double?
    }

    /// B sequences of T random token ids ([CLS] … [SEP], no padding) with labels cycling over the classes.
    static func randomBatch(_ base: ModelWeights, batch B: Int, length T: Int) -> Batch {
        var r = RandomStream(seed: 7, factor: .sample)
        let vocab = base.layout.spec.config.vocabSize
        let seqs: [([Int32], [Int32])] = (0..<B).map { _ in
            ([101] + (0..<(T - 2)).map { _ in Int32(1000 + r.nextInt(below: vocab - 1000)) } + [102], [Int32](repeating: 0, count: T))
        }
        return Batch(sequences: seqs, labels: (0..<B).map { $0 % base.layout.spec.numLabels })
    }

    /// GFLOP/s of one sgemm at M=400, N=1536, K=384 (the feed-forward shape at 8 × 50).
    public static func sgemmRate(seconds: Double = 1) -> Double {
        let (m, n, k) = (400, 1536, 384)
        let a = FloatBuffer(count: m * k), b = FloatBuffer(count: n * k), c = FloatBuffer(count: m * n)
        var r = RandomStream(seed: 1, factor: .noise)
        r.fillNormal(a.buffer); r.fillNormal(b.buffer)
        for _ in 0..<3 { GEMM.sgemm(.none, .transpose, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: k, c: c.pointer, ldc: n) }
        var reps = 0
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            GEMM.sgemm(.none, .transpose, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: k, c: c.pointer, ldc: n)
            reps += 1
        }
        return 2 * Double(m * n * k) * Double(reps) / Date().timeIntervalSince(start) / 1e9
    }

    /// Measures one (tuning, kind, batch, length) cell after `warmup` steps for at least `seconds`.
    public static func measure(base: ModelWeights, kind: String, batch B: Int, length T: Int, sgemm: Double,
                               warmup: Int = 2, minSteps: Int = 5, seconds: Double = 4) -> Row {
        let model = BertModel(layout: base.layout)
        let batch = randomBatch(base, batch: B, length: T)
        let member = Member(weights: base.clone(), adam: Adam(layout: base.layout),
                            schedule: LearningRateSchedule(base: 1e-5, totalSteps: 1_000_000), dropout: RandomStream(seed: 1, factor: .dropout))
        let step: () -> Void = kind == "train"
            ? { member.trainStep(model, batch) }
            : { _ = member.predict(model, [batch]) }
        for _ in 0..<warmup { step() }
        let flops0 = GEMM.flops
        var steps = 0
        let start = Date()
        while steps < minSteps || Date().timeIntervalSince(start) < seconds { step(); steps += 1 }
        let elapsed = Date().timeIntervalSince(start)
        let gflops = Double(GEMM.flops - flops0) / elapsed / 1e9
        let a = base.layout.spec.adapter
        let tuning = a.kind.rawValue
        return Row(tuning: tuning, kind: kind, gemm: GEMM.backend.name, batch: B, length: T, examples_per_s: Double(B * steps) / elapsed, gflops: gflops,
                   sgemm_fraction: gflops / sgemm, peak_rss_mb: Double(TrainingRun.peakMemory()) / 1_048_576, steps: steps)
    }
}

extension EngineBenchmark {
    /// Whether two model copies train faster one at a time (each step's GEMMs split over both threads) or
    /// side by side (one copy per thread, single-threaded inside). Returns examples/s of both layouts.
    public static func coreLayouts(base: ModelWeights, batch B: Int, length T: Int, seconds: Double = 4) -> (sequential: Double, parallel: Double) {
        let model = BertModel(layout: base.layout)
        let batch = randomBatch(base, batch: B, length: T)
        let members = (0..<2).map { i in
            Member(weights: base.clone(), adam: Adam(layout: base.layout),
                   schedule: LearningRateSchedule(base: 1e-5, totalSteps: 1_000_000), dropout: RandomStream(seed: UInt64(i), factor: .dropout))
        }
        for m in members { m.trainStep(model, batch) }
        func measure(_ step: () -> Void) -> Double {
            var n = 0
            let start = Date()
            while n < 3 || Date().timeIntervalSince(start) < seconds { step(); n += 1 }
            return Double(2 * B * n) / Date().timeIntervalSince(start)
        }
        let sequential = measure { for m in members { m.trainStep(model, batch) } }
        let boxed = UncheckedSendable(members)
        let parallel = measure { Threads.parallel(2) { i in boxed.value[i].trainStep(model, batch) } }
        return (sequential, parallel)
    }
}
