import DeniCore
import DeniData
import DeniModel
import DeniTraining
import Foundation

/// Runs experiments: dataset × tuning × strategies × runs. Run i of every strategy shares its seeds
/// (paired comparisons); runs are executed run-major (run 0 of every strategy, then run 1, …) so an
/// interrupted experiment still holds complete pairs.
public final class ExperimentRunner: ExperimentDriver, @unchecked Sendable {
    public let dataDirectory: URL
    public let modelDirectory: URL
    /// Runs to skip (already finished in a resumed session).
    public var skip: Set<RunID> = []
    /// Save the main model's weights after each run to this file (the last run wins).
    public var saveWeights: URL?

    public init(dataDirectory: URL = ProjectPaths.data(), modelDirectory: URL = ProjectPaths.model()) {
        self.dataDirectory = dataDirectory; self.modelDirectory = modelDirectory
    }

    /// The model spec an experiment implies.
    public static func modelSpec(_ config: ExperimentConfig, bert: BertConfig, numLabels: Int, strategy: StrategyConfig? = nil) -> ModelSpec {
        let kind: AdapterSpec.Kind = switch config.tuning.kind {
        case .full: .full
        case .lora: .lora
        case .ia3: .ia3
        case .unipelt: .unipelt
        }
        var a = AdapterSpec(kind: kind)
        a.loraRank = config.tuning.loraRank
        a.loraAlpha = Float(config.tuning.loraAlpha)
        a.loraDropout = Float(config.tuning.loraDropout)
        a.loraTargets = config.tuning.loraTargets
        a.loraBias = AdapterSpec.Bias(rawValue: config.tuning.loraBias) ?? .all
        a.poolerTrainable = config.tuning.poolerTrainable
        return ModelSpec(config: bert, adapter: a, numLabels: numLabels, pooling: config.pooling, headDropout: Float(config.headDropout))
    }

    /// Refuses DENI-family settings that cannot happen within the run's length (before any training).
    public static func checkSchedules(_ config: ExperimentConfig, trainExamples: Int) throws {
        for s in config.strategies where [.de, .ni, .deni, .deniAugment].contains(s.kind) {
            let perEpoch = (trainExamples * (s.kind == .deniAugment ? 1 + s.augmentCopies : 1) + config.batchSize - 1) / config.batchSize
            let total = s.epochs(base: config.epochs) * perEpoch
            let period = s.deni.period.steps(perEpoch: perEpoch), round = s.deni.roundLength.steps(perEpoch: perEpoch)
            if s.kind != .de && period >= total {
                throw ConfigError("interpolation period", "\(s.deni.period) = \(period) steps", "< the \(total) training steps")
            }
            if s.kind != .de && round >= total {
                throw ConfigError("round length", "\(s.deni.roundLength) = \(round) steps", "< the \(total) training steps")
            }
        }
    }

    public func run(_ config: ExperimentConfig, sink: EventSink, control: RunControl) throws {
        try config.validate()
        Threads.set(config.threads)
        let started = Date()
        func log(_ s: String) { sink.publish(.log(level: "info", message: s, time: Date().timeIntervalSince(started))) }
        let tokenizer = try BertTokenizer(modelFolder: modelDirectory)
        let bert = try BertConfig.load(modelDirectory.appendingPathComponent("config.json"))
        let data = try PreparedData.make(config: config, seeds: config.baseSeeds, dataDirectory: dataDirectory, tokenizer: tokenizer)
        log("\(data.dataset.name): \(data.train.count) training examples, \(data.test.count) test, \(data.evalSubset.count) for live curves, max length \(data.maxLength)" + (data.split.capped ? " — \(data.split.capReport)" : ""))
        if data.dataset.skipped.count > 0 { sink.publish(.log(level: "warning", message: data.dataset.skipped.summary, time: 0)) }
        try Self.checkSchedules(config, trainExamples: data.train.count)
        let spec = Self.modelSpec(config, bert: bert, numLabels: data.classCount)
        let base = try ModelWeights.load(folder: modelDirectory, spec: spec, initStream: config.baseSeeds.stream(.initialization))
        let model = BertModel(layout: base.layout)
        log("model: \(spec.adapter.kind.rawValue), \(base.layout.trainableParameters) trainable parameters, pooling \(spec.pooling.rawValue)")
        let gate = ControlGate(control)
        let splitVaries = config.variedFactors.contains(.split) || config.variedFactors.contains(.sample)
        for run in 0..<config.runs {
            let seeds = config.seeds(run: run)
            let runData = splitVaries
                ? try PreparedData.make(config: config, seeds: seeds, dataDirectory: dataDirectory, tokenizer: tokenizer) : data
            for strategy in config.strategies {
                if control.isCancelled { return }
                let id = RunID(strategy: strategy.displayName, run: run)
                if skip.contains(id) { continue }
                var train = runData.train
                if strategy.kind == .augment || strategy.kind == .deniAugment { train = runData.augmented[strategy.augmentCopies] ?? train }
                let setup = RunSetup(id: id, strategy: strategy, seeds: seeds, train: train, test: runData.test,
                                     evalSubset: runData.evalSubset, epochs: config.epochs, batchSize: config.batchSize,
                                     learningRate: config.effectiveLearningRate, evalEvery: config.evalEvery,
                                     fullFineTuning: config.tuning.kind == .full)
                let training = TrainingRun(setup: setup, model: model, base: base, sink: sink, control: gate)
                let outcome = training.run()
                if let url = saveWeights, outcome.status == .finished { try training.main.weights.save(to: url) }
                _ = control.takeRunCancellation()
            }
        }
    }
}

/// Adapts `RunControl` (UI / signals) to the training loop's per-step checkpoint.
final class ControlGate: TrainingControl, @unchecked Sendable {
    let control: RunControl
    init(_ control: RunControl) { self.control = control }
    func checkpoint() -> Bool {
        while control.isPaused && !control.isCancelled { usleep(50_000) }
        if control.isCancelled { return true }
        return control.takeRunCancellation()
    }
}
