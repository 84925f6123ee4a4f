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
    /// Asked before each run not skipped, with the run's task index (`run × strategies + strategy`): false leaves
    /// the run to another worker (`SessionShards.claim`). Nil runs everything.
    public var claim: ((Int) -> Bool)?
    /// Save the model that made the test predictions after each run to this file (the last run wins), recording
    /// the classifier (`SavedClassifier`) for `deni predict`.
    public var saveWeights: URL?
    /// Export that model's adapter and classifier as a peft folder after each run (the last run wins),
    /// with `deni_check_logits.json` (logits on up to 8 test examples) for scripts/reference/check_peft_export.py.
    public var savePEFT: URL?
    /// Start from the adapter, classifier and biases of this peft folder instead of fresh ones (checked before training).
    public var initPEFT: URL?
    /// Write the main model's test predictions after each run to this CSV file (the last run wins;
    /// `PredictionsCSV.testPredictions`).
    public var savePredictions: URL?

    public init(dataDirectory: URL = ProjectPaths.data(), modelDirectory: URL = ProjectPaths.model()) {
        self.dataDirectory = dataDirectory; self.modelDirectory = modelDirectory
    }

    /// The model spec an experiment implies.
    public static func modelSpec(_ config: ExperimentConfig, bert: BertConfig, numLabels: Int, strategy: StrategyConfig? = nil) -> ModelSpec {
        return ModelSpec(config: bert, adapter: config.tuning, numLabels: numLabels, pooling: config.pooling, headDropout: Float(config.headDropout))
    }

    /// Refuses DENI-family periods and rounds longer than the run (before any training) and returns
    /// warnings for schedules that degenerate at this run length (a round still open when training ends,
    /// no round inside the window, no delayed ensemble).
    @discardableResult
    public static func checkSchedules(_ config: ExperimentConfig, trainExamples: Int) throws -> [String] {
        var warnings: [String] = []
        for s in config.strategies {
            guard let d = s.deni else { continue }
            let perEpoch = (trainExamples * (1 + (s.settings.augmentCopies ?? 0)) + config.batchSize - 1) / config.batchSize
            let total = s.epochs(base: config.epochs) * perEpoch
            let period = d.period.steps(perEpoch: perEpoch), round = d.roundLength.steps(perEpoch: perEpoch)
            if s.kind != .de && period >= total {
                throw ConfigError("interpolation period", "\(d.period) = \(period) steps", "< the \(total) training steps")
            }
            if s.kind != .de && round >= total {
                throw ConfigError("round length", "\(d.roundLength) = \(round) steps", "< the \(total) training steps")
            }
            // Simulate the schedule: every round must end inside training, and the parts asked for must happen.
            let interpolation = s.kind != .de, ensemble = s.kind != .ni
            var schedule = DENISchedule(totalSteps: total, stepsPerEpoch: perEpoch, config: d, interpolation: interpolation, ensemble: ensemble)
            var rounds = 0, openRound: Int? = nil, ensembleAt: Int? = nil
            for step in 1...max(1, total) {
                switch schedule.before(step: step) {
                case .startRound?: openRound = step
                case .endRound?: openRound = nil; rounds += 1
                case .startEnsemble?: ensembleAt = step
                case nil: break
                }
                schedule.after()
            }
            let window = "window \(schedule.windowStart)-\(schedule.windowEnd) of \(total) steps (\(perEpoch) per epoch)"
            if let start = openRound {
                warnings.append("\(s.label): the interpolation round starting at step \(start) lasts \(round) steps and never ends before training does (\(window)); its copies are dropped — shorten the period or round length, or train longer")
            } else if interpolation && rounds == 0 {
                warnings.append("\(s.label): no interpolation round fits the \(window) with a period of \(period) steps")
            }
            if ensemble && ensembleAt == nil {
                warnings.append("\(s.label): the delayed ensemble never starts (an interpolation round is still open at step \(Int(d.ensembleStart * Double(total))))")
            }
        }
        return warnings
    }

    public func run(_ config: ExperimentConfig, sink: EventSink, control: RunControl) throws {
        try config.validate()
        // Where the results go is checked before anything trains, so that no finished run is lost to a bad path.
        for (url, flag) in [(saveWeights, "--save"), (savePredictions, "--predictions")] {
            if let url, let problem = OutputFile.problem(url) { throw ConfigError(message: "\(flag): \(problem)") }
        }
        if let dir = savePEFT {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir) {
                if !isDir.boolValue { throw ConfigError(message: "--save-peft: \(dir.path) exists and is not a folder") }
            } else if let problem = OutputFile.problem(dir) {
                throw ConfigError(message: "--save-peft: \(problem)")
            }
        }
        Threads.set(config.threads)
        // Strategies with experiment-level settings of their own (a sweep over them) train group by group, each
        // group prepared as an experiment of its own; a task keeps its index in the whole config.
        let groups: [(config: ExperimentConfig, indices: [Int])]
        do throws(FieldError) { groups = try config.groups() } catch { throw ConfigError(message: error.message) }
        for group in groups {
            try run(group.config, indices: group.indices, tasksPerRun: config.strategies.count, sink: sink, control: control)
            if control.isCancelled { return }
        }
    }

    /// Trains `config` (one group), whose strategy k is strategy `indices[k]` of the whole experiment.
    func run(_ config: ExperimentConfig, indices: [Int], tasksPerRun: Int, sink: EventSink, control: RunControl) throws {
        // Each group in its own precision (a sweep may vary it).
        do { try GEMM.use(config.precision) } catch { throw ConfigError(message: error.description) }
        let started = Date()
        func log(_ s: String) { sink.publish(.log(level: "info", message: s, time: Date().timeIntervalSince(started))) }
        let tokenizer = try BertTokenizer(modelFolder: modelDirectory)
        let bert = try BertConfig.load(modelDirectory.appendingPathComponent("config.json"))
        let data = try PreparedData.make(config: config, seeds: config.baseSeeds, dataDirectory: dataDirectory, tokenizer: tokenizer)
        if data.maxLength > bert.maxPositions {
            throw ConfigError("max length", "\(data.maxLength) tokens", "at most the model's \(bert.maxPositions) positions (max_position_embeddings)")
        }
        log("\(data.dataset.name): \(data.train.count) training examples, \(data.test.count) test, \(data.evalSubset.count) for live curves, max length \(data.maxLength)" + (data.split.capped ? " — \(data.split.capReport)" : ""))
        if data.dataset.skipped.count > 0 { sink.publish(.log(level: "warning", message: data.dataset.skipped.summary, time: 0)) }
        for w in try Self.checkSchedules(config, trainExamples: data.train.count) { sink.publish(.log(level: "warning", message: w, time: 0)) }
        let spec = Self.modelSpec(config, bert: bert, numLabels: data.classCount)
        let base = try ModelWeights.load(folder: modelDirectory, spec: spec, initStream: config.baseSeeds.stream(.initialization))
        let model = BertModel(layout: base.layout)
        log("model: \(spec.adapter.kind.rawValue), \(base.layout.trainableParameters) trainable parameters, pooling \(spec.pooling.rawValue)")
        if let dir = initPEFT {
            try base.importPEFT(from: dir, expectedBaseModel: modelDirectory.path)
            // Every run (and every extra member) starts from the imported adapter and classifier.
            base.keepsNewTensors = true
            log("adapter and classifier initialised from the peft folder \(dir.path)")
        }
        if savePEFT != nil {
            try base.checkPEFTExport()
            if spec.pooling != .pooler {
                sink.publish(.log(level: "warning", message: "--save-peft with pooling \(spec.pooling.rawValue): peft's BertForSequenceClassification classifies the pooler output, so its logits will differ (use --pooling pooler)", time: 0))
            }
        }
        let gate = ControlGate(control)
        let splitVaries = config.variedFactors.contains(.split) || config.variedFactors.contains(.sample)
        for run in config.runIndices {
            let seeds = config.seeds(run: run)
            let runData = splitVaries
                ? try PreparedData.make(config: config, seeds: seeds, dataDirectory: dataDirectory, tokenizer: tokenizer) : data
            for (index, strategy) in config.strategies.enumerated() {
                if control.isCancelled { return }
                let id = RunID(strategy: strategy.label, run: run)
                if skip.contains(id) { continue }
                if let claim, !claim((run - config.firstRun) * tasksPerRun + indices[index]) { continue }
                var train = runData.train
                if let k = strategy.settings.augmentCopies { train = runData.augmented[k] ?? train }
                let setup = RunSetup(id: id, strategy: strategy, seeds: seeds, train: train, test: runData.test,
                                     evalSubset: runData.evalSubset, epochs: config.epochs, batchSize: config.batchSize,
                                     learningRate: config.effectiveLearningRate, evalEvery: config.evalEvery,
                                     fullFineTuning: config.tuning.kind == .full)
                let training = TrainingRun(setup: setup, model: model, base: base, sink: sink, control: gate)
                let outcome = training.run()
                if outcome.status == .finished { try save(outcome, training, runData, sink: sink, log: log) }
                _ = control.takeRunCancellation()
            }
        }
    }
}

extension ExperimentRunner {
    /// Writes what was asked for of a finished run: its weights (`saveWeights`), peft folder (`savePEFT`) and test
    /// predictions (`savePredictions`). The saved model is the one that made the test predictions (SWA's and EMA's
    /// average, not the last weights); an ensemble's vote has no single model: its main member is saved, with a warning.
    private func save(_ outcome: RunOutcome, _ training: TrainingRun, _ data: PreparedData, sink: EventSink, log: (String) -> Void) throws {
        let model = outcome.predictor ?? training.main.weights
        let classNames = data.dataset.classNames
        if outcome.predictor == nil, saveWeights != nil || savePEFT != nil {
            sink.publish(.log(level: "warning", message: "\(training.setup.strategy.label) predicts with several models voting; only the main one is saved, so its predictions differ from the run's", time: 0))
        }
        if let url = saveWeights { try model.save(to: url, classNames: classNames, maxLength: data.maxLength) }
        if let dir = savePEFT {
            try model.exportPEFT(to: dir, baseModelPath: modelDirectory.path, classNames: classNames, maxLength: data.maxLength)
            let sample = data.test.prefix(8).map { (ids: $0.ids, typeIDs: $0.typeIDs) }
            try model.writeCheckLogits(model: training.model, sequences: Array(sample), to: dir.appendingPathComponent("deni_check_logits.json"))
            log("saved the peft adapter folder \(dir.path)")
        }
        if let url = savePredictions {
            try PredictionsCSV.write(PredictionsCSV.testPredictions(data.split.test, predictions: outcome.predictions, classNames: classNames), to: url)
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
