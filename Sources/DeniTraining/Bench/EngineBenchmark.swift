import DeniCore
import DeniModel
import Foundation

/// Throughput of the engine on the workloads the team compares with PyTorch: training steps (Adam, dropout
/// on, mean pooling, dropout 0.3) and evaluation passes, on synthetic unpadded batches of fixed shapes and on
/// real padded batches (`RealDataBenchmark` in DeniExperiments builds those from a dataset).
public enum EngineBenchmark {
    public struct Row: Codable, Sendable {
        public var tuning: String
        public var kind: String
        /// "random" for synthetic unpadded batches, else the dataset whose real batches ran.
        public var data: String
        /// What computed the row's products (`GEMM.products.name`: "onednn", "openblas", "onednn-bf16", "bf16-emulated").
        public var gemm: String
        /// The precision of the products ("fp32" or "bf16").
        public var precision: String
        public var batch: Int
        /// Longest sequence (synthetic rows: every sequence).
        public var length: Int
        /// Real tokens per example, and the share of padded positions in the batches.
        public var mean_length: Double
        public var padding: Double
        public var examples_per_s: Double
        public var gflops: Double
        public var sgemm_fraction: Double
        public var peak_rss_mb: Double
        public var steps: Int
        public var threads: Int
        /// The CPU model, its instruction-set extensions that matter here, and the GEMM kernel family used.
        public var cpu: String
        public var isa: String
        public var kernel: String
        /// PyTorch in float32 on the same workload, and this row's speed over it.
        public var pytorch_examples_per_s: Double?
        public var ratio_vs_pytorch: Double?
        /// bf16 rows: PyTorch under CPU bf16 autocast on the same workload, and this row's speed over it.
        public var pytorch_bf16_examples_per_s: Double?
        public var ratio_vs_pytorch_bf16: Double?
        /// bf16 rows: relative L2 distance of the logits and of the trainable gradients from the fp32 engine's, on
        /// the row's first batch (one forward and backward, dropout off; `PrecisionParity`).
        public var rel_l2_logits: Double?
        public var rel_l2_gradients: Double?
        /// bf16 rows: the bf16 weight copies held at the row's end (MB), part of `peak_rss_mb` (`PreparedWeights`).
        public var weight_copies_mb: Double?
        /// End-to-end rows: wall seconds from process start to exit.
        public var seconds: Double?
        public var pytorch_seconds: Double?
    }

    /// B sequences of T random token ids ([CLS] … [SEP], no padding) with labels cycling over the classes.
    public static func randomBatch(_ base: ModelWeights, batch B: Int, length T: Int) -> Batch {
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

    /// Measures one synthetic (tuning, kind, batch, length) cell after `warmup` steps for at least `seconds`.
    public static func measure(base: ModelWeights, kind: String, batch B: Int, length T: Int, sgemm: Double,
                               warmup: Int = 2, minSteps: Int = 5, seconds: Double = 4) -> Row {
        measure(base: base, kind: kind, data: "random", batches: [randomBatch(base, batch: B, length: T)], sgemm: sgemm,
                warmup: warmup, minSteps: minSteps, seconds: seconds)
    }

    /// Measures `batches` as one workload: training steps over them in order (cycling), or evaluation passes
    /// over all of them as `Member.predict` runs them (the way a run evaluates), after `warmup` passes.
    /// `minSteps` and `seconds` bound the timed part from below (whole passes over the batches for evaluation).
    public static func measure(base: ModelWeights, kind: String, data: String, batches: [Batch], sgemm: Double,
                               warmup: Int = 2, minSteps: Int = 5, seconds: Double = 4) -> Row {
        precondition(!batches.isEmpty, "a benchmark needs batches")
        let model = BertModel(layout: base.layout)
        let member = Member(weights: base.clone(), adam: Adam(layout: base.layout),
                            schedule: LearningRateSchedule(base: 1e-5, totalSteps: 1_000_000), dropout: RandomStream(seed: 1, factor: .dropout))
        var next = 0
        let step: () -> Int = kind == "train"
            ? { let b = batches[next % batches.count]; next += 1; member.trainStep(model, b); return b.size }
            : { _ = member.predict(model, batches); return batches.reduce(0) { $0 + $1.size } }
        for _ in 0..<warmup { _ = step() }
        next = 0
        let flops0 = GEMM.flops
        var steps = 0, examples = 0
        let start = Date()
        while steps < minSteps || Date().timeIntervalSince(start) < seconds { examples += step(); steps += 1 }
        let elapsed = Date().timeIntervalSince(start)
        let gflops = Double(GEMM.flops - flops0) / elapsed / 1e9
        let real = batches.reduce(0.0) { $0 + Double($1.mask.reduce(0, +)) }, padded = batches.reduce(0.0) { $0 + Double($1.size * $1.length) }
        let count = batches.reduce(0) { $0 + $1.size }
        var row = Row(tuning: base.layout.spec.adapter.kind.rawValue, kind: kind, data: data, gemm: GEMM.products.name, precision: GEMM.precision.rawValue,
                   batch: batches.map(\.size).max()!, length: batches.map(\.length).max()!,
                   mean_length: real / Double(count), padding: 1 - real / padded,
                   examples_per_s: Double(examples) / elapsed, gflops: gflops, sgemm_fraction: gflops / sgemm,
                   peak_rss_mb: Double(TrainingRun.peakMemory()) / 1_048_576, steps: steps, threads: Threads.count,
                   cpu: CPUInfo.current.model, isa: CPUInfo.current.features.joined(separator: " "), kernel: GEMM.products.kernel)
        row.weight_copies_mb = GEMM.products.preparedWeights.map { Double($0.statistics.bytes) / 1_048_576 }
        return row
    }
}

extension EngineBenchmark {
    /// A row for a whole run timed from process start to exit: `examples` training examples seen in `seconds`.
    public static func endToEndRow(tuning: String, data: String, batch: Int, length: Int, meanLength: Double, examples: Int,
                                   steps: Int, seconds: Double) -> Row {
        var row = Row(tuning: tuning, kind: "e2e", data: data, gemm: GEMM.products.name, precision: GEMM.precision.rawValue, batch: batch, length: length, mean_length: meanLength,
                      padding: 0, examples_per_s: Double(examples) / seconds, gflops: 0, sgemm_fraction: 0, peak_rss_mb: 0, steps: steps,
                      threads: Threads.count, cpu: CPUInfo.current.model, isa: CPUInfo.current.features.joined(separator: " "),
                      kernel: GEMM.products.kernel)
        row.seconds = seconds
        return row
    }

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
