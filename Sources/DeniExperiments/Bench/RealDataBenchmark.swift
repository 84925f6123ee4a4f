import DeniCore
import DeniData
import DeniModel
import DeniTraining
import Foundation

/// Benchmarks on real padded batches: what a run of the paper's protocol feeds the engine, and the same work
/// described for PyTorch (`scripts/bench_pytorch.py --batches FILE`, `--e2e FILE`) so that both frameworks run
/// the very same batches.
public enum RealDataBenchmark {
    /// One measured workload: training batches in the protocol's order, or evaluation buckets.
    public struct Workload: Sendable {
        public var data: String
        public var kind: String
        public var examples: [[EncodedExample]]
        public var batches: [Batch] { examples.map { Batch($0) } }
    }

    /// The protocol's data for `dataset` (default experiment settings: 1,000 samples, the paper's max length,
    /// seeds of run 0), tokenized as `deni train` tokenizes it.
    public static func prepare(dataset: String, dataDirectory: URL, modelDirectory: URL) throws -> (PreparedData, ExperimentConfig) {
        var config = ExperimentConfig()
        config.dataset = dataset
        config.strategies = [StrategyConfig(kind: .standard)]
        let tokenizer = try BertTokenizer(modelFolder: modelDirectory)
        return (try PreparedData.make(config: config, seeds: config.baseSeeds, dataDirectory: dataDirectory, tokenizer: tokenizer), config)
    }

    /// Training: the first `trainSteps` batches of run 0's order (batch size of the config). Evaluation: up to
    /// `evalExamples` of the test split (a seeded subset when it has more) in the evaluation buckets a run uses.
    public static func workloads(_ data: PreparedData, _ config: ExperimentConfig, trainSteps: Int, evalExamples: Int) -> [Workload] {
        var order = BatchOrder(examples: data.train, batchSize: config.batchSize, stream: config.seeds(run: 0).stream(.order))
        let train = (0..<trainSteps).map { _ in order.nextIndices().map { data.train[$0] } }
        var test = data.test
        if test.count > evalExamples {
            var r = RandomStream(seed: 1, factor: .sample)
            var idx = Array(test.indices)
            r.shuffle(&idx)
            test = idx.prefix(evalExamples).sorted().map { test[$0] }
        }
        let eval = EvaluationBatches(test, batchSize: 64)
        let sorted = eval.order.map { test[$0] }
        let evalGroups = stride(from: 0, to: sorted.count, by: 64).map { Array(sorted[$0..<min($0 + 64, sorted.count)]) }
        return [Workload(data: config.dataset, kind: "train", examples: train),
                Workload(data: config.dataset, kind: "eval", examples: evalGroups)]
    }

    /// The workloads as `scripts/bench_pytorch.py --batches` reads them: per tuning, kind and dataset, the
    /// batches as lists of token ids (unpadded; PyTorch pads each batch to its longest, as the engine does).
    public static func pytorchBatchesJSON(_ workloads: [Workload], tunings: [String], classes: [String: Int], threads: Int) throws -> Data {
        var rows: [[String: Any]] = []
        for t in tunings {
            for w in workloads {
                rows.append(["tuning": t, "kind": w.kind, "data": w.data, "classes": classes[w.data] ?? 2,
                             "batches": w.examples.map { b in ["ids": b.map { $0.ids.map(Int.init) }, "labels": b.map(\.label)] }])
            }
        }
        return try JSONSerialization.data(withJSONObject: ["threads": threads, "workloads": rows])
    }

    /// The whole `deni train` protocol run for PyTorch (`--e2e`): training examples, the batch order of every
    /// step, the live-curve subset evaluated after each epoch and the test split, both in evaluation buckets,
    /// and the hyperparameters of the default experiment.
    public static func pytorchEndToEndJSON(_ data: PreparedData, _ config: ExperimentConfig, threads: Int) throws -> Data {
        var order = BatchOrder(examples: data.train, batchSize: config.batchSize, stream: config.seeds(run: 0).stream(.order))
        let steps = config.epochs * order.stepsPerEpoch
        let stepIndices = (0..<steps).map { _ in Array(order.nextIndices()) }
        func buckets(_ examples: [EncodedExample]) -> [[Int]] {
            let order = EvaluationBatches(examples, batchSize: 64).order
            return stride(from: 0, to: order.count, by: 64).map { Array(order[$0..<min($0 + 64, order.count)]) }
        }
        func encode(_ e: [EncodedExample]) -> [[String: Any]] { e.map { ["ids": $0.ids.map(Int.init), "label": $0.label] } }
        let t = config.tuning
        let object: [String: Any] = [
            "threads": threads, "tuning": t.kind.rawValue, "lora": ["r": t.loraRank, "alpha": t.loraAlpha, "dropout": t.loraDropout, "targets": t.loraTargets],
            "classes": data.classCount, "lr": config.effectiveLearningRate, "epochs": config.epochs, "head_dropout": config.headDropout,
            "pooling": config.pooling.rawValue, "train": encode(data.train), "steps": stepIndices,
            "eval_subset": encode(data.evalSubset), "eval_subset_batches": buckets(data.evalSubset),
            "test": encode(data.test), "test_batches": buckets(data.test),
        ]
        return try JSONSerialization.data(withJSONObject: object)
    }
}
