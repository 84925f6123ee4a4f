import ArgumentParser
import DeniCore
import DeniData
import DeniExperiments
import DeniTraining
import Foundation

/// Options shared by `train` and `run`: everything an ExperimentConfig holds, as flags.
struct ExperimentOptions: ParsableArguments {
    @Option(help: "A JSON experiment config (as saved in a session's config.json); flags given too override it.")
    var config: String?
    @Option(help: "Dataset key (trec, sst2, cola, mrpc, ag_news, snips, dbpedia, boolq) or a CSV/TSV/JSONL file.")
    var dataset: String?
    @Option(help: "Tuning strategy: full, lora, ia3, unipelt.") var tuning: AdapterSpec.Kind?
    @Option(name: .customLong("strategy"), parsing: .upToNextOption,
            help: "Mitigation strategies: \(StrategyKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var strategies: [StrategyKind] = []
    @Option(help: "Runs per strategy (run i of every strategy shares its seeds).") var runs: Int?
    @Option(help: "Training samples N (ceil(N/C) per class, capped).") var samples: Int?
    @Option(help: "Epochs.") var epochs: Int?
    @Option(name: .customLong("batch-size"), help: "Batch size.") var batchSize: Int?
    @Option(help: "Learning rate (default: the paper's for the tuning strategy).") var lr: Double?
    @Option(name: .customLong("max-length"), help: "Max tokens per example (default: the dataset's).") var maxLength: Int?
    @Option(help: "Pooling: pooler, cls or mean.") var pooling: Pooling?
    @Option(name: .customLong("head-dropout"), help: "Dropout before the head.") var headDropout: Double?
    @Option(help: "Base seed for all six randomness factors.") var seed: UInt64?
    @Option(name: .customLong("eval-subsample"), help: "Test examples evaluated for live curves (0: none).") var evalSubsample: Int?
    @Option(name: .customLong("eval-every"), help: "Evaluate the subsample every N steps (0: every epoch).") var evalEvery: Int?
    @Option(help: "Threads for BLAS and kernels.") var threads: Int?
    @Option(help: "Experiment name (used in the session folder).") var name: String?
    @Option(name: .customLong("lora-rank")) var loraRank: Int?
    @Option(name: .customLong("lora-alpha")) var loraAlpha: Double?
    @Option(name: .customLong("lora-dropout")) var loraDropout: Double?
    @Option(name: .customLong("lora-targets"), help: "Comma-separated module names (query,key,value,attention.output.dense,intermediate.dense,output.dense).")
    var loraTargets: String?
    @Option(name: .customLong("pooler-trainable"), help: "true/false (default: trainable for full, frozen for PEFT).") var poolerTrainable: Bool?
    @Option(name: .customLong("ensemble-size"), help: "DENI/DE/NI/Ensemble members K.") var ensembleSize: Int?
    @Option(name: .customLong("noise-variance"), help: "DENI and noise baselines' variance.") var noiseVariance: Double?
    @Option(name: .customLong("interpolation-period"), help: "DENI: steps between interpolation rounds (default: one epoch).") var period: Int?
    @Option(name: .customLong("vote"), help: "DENI vote: hard or soft.") var vote: Vote?
    @Flag(name: .customLong("skip-bad-rows"), help: "Skip malformed rows (reported: count and first line numbers) instead of failing.")
    var skipBadRows = false
    @Option(name: .customLong("text-column"), help: "User files: the text column (name or 0-based index).") var textColumn: String?
    @Option(name: .customLong("pair-column"), help: "User files: the second text column, for sentence pairs.") var pairColumn: String?
    @Option(name: .customLong("label-column"), help: "User files: the label column.") var labelColumn: String?
    @Option(help: "User files: utf8 or latin1.") var encoding: TextEncoding?
    @Option(name: .customLong("test-file"), help: "User files: a separate test file (same format); the official split is then kept.")
    var testFile: String?
    @Option(help: "Model folder (default: the one setup installed).") var model: String?
    @Option(help: "Data folder (default: the one setup filled).") var data: String?

    /// The config these options describe.
    func experimentConfig(defaultStrategies: [StrategyKind], defaultRuns: Int) throws -> ExperimentConfig {
        var c = ExperimentConfig()
        if let path = config {
            guard let d = FileManager.default.contents(atPath: path) else { throw ValidationError("--config \(path): file not found or unreadable") }
            do { c = try JSONDecoder().decode(ExperimentConfig.self, from: d) } catch {
                throw ValidationError("--config \(path): not an experiment config (\(error))")
            }
        } else {
            c.strategies = defaultStrategies.map(StrategyConfig.init(kind:))
            c.runs = defaultRuns
        }
        if let v = dataset { c.dataset = v }
        if let v = tuning { c.tuning.kind = v }
        if skipBadRows { c.data.skipBadRows = true }
        if let v = textColumn { c.data.columns.text = ColumnRef(argument: v) }
        if let v = pairColumn { c.data.columns.pair = ColumnRef(argument: v) }
        if let v = labelColumn { c.data.columns.label = ColumnRef(argument: v) }
        if let v = encoding { c.data.encoding = v }
        if let v = testFile { c.data.testFile = v }
        if !strategies.isEmpty { c.strategies = strategies.map(StrategyConfig.init(kind:)) }
        if let v = runs { c.runs = v }
        if let v = samples { c.trainSamples = v }
        if let v = epochs { c.epochs = v }
        if let v = batchSize { c.batchSize = v }
        if let v = lr { c.learningRate = v }
        if let v = maxLength { c.maxLength = v }
        if let v = pooling { c.pooling = v }
        if let v = headDropout { c.headDropout = v }
        if let v = seed { c.baseSeeds = Seeds(all: v) }
        if let v = evalSubsample { c.evalSubsample = v }
        if let v = evalEvery { c.evalEvery = v }
        if let v = threads { c.threads = v }
        if let v = name { c.name = v }
        if let v = loraRank { c.tuning.loraRank = v }
        if let v = loraAlpha { c.tuning.loraAlpha = Float(v) }
        if let v = loraDropout { c.tuning.loraDropout = Float(v) }
        if let v = loraTargets { c.tuning.loraTargets = v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if let v = poolerTrainable { c.tuning.poolerTrainable = v }
        for i in c.strategies.indices {
            if let v = ensembleSize { c.strategies[i].deni.ensembleSize = v; c.strategies[i].ensembleSize = v }
            if let v = noiseVariance { c.strategies[i].deni.noiseVariance = v; c.strategies[i].noiseVariance = v }
            if let v = period { c.strategies[i].deni.period = .steps(v) }
            if let v = vote { c.strategies[i].deni.vote = v }
        }
        if config == nil && name == nil {
            let dataName = DatasetRegistry.info(c.dataset) != nil ? c.dataset : URL(fileURLWithPath: c.dataset).deletingPathExtension().lastPathComponent
            c.name = "\(dataName)-\(c.tuning.kind.rawValue)"
        }
        do { try c.validate() } catch { throw ValidationError("\(error)") }
        return c
    }

    var modelURL: URL { ProjectPaths.model(model) }
    var dataURL: URL { ProjectPaths.data(data) }

    /// Fails with the how-to when the model folder is missing.
    func requireModel() throws {
        let st = modelURL.appendingPathComponent("model.safetensors").path
        if !FileManager.default.fileExists(atPath: st) {
            throw ValidationError("no model at \(modelURL.path): \(ProjectPaths.modelHowTo)")
        }
    }
}

extension AdapterSpec.Kind: ExpressibleByArgument {}
extension StrategyKind: ExpressibleByArgument {}
extension Pooling: ExpressibleByArgument {}
extension Vote: ExpressibleByArgument {}
extension TextEncoding: ExpressibleByArgument {}
