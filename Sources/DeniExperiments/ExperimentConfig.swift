import DeniCore
import DeniData
import DeniModel
import DeniTraining

/// An experiment: dataset × tuning strategy × mitigation strategies × runs. Saved verbatim in a session's
/// manifest; a saved config reproduces the experiment bit for bit.
public struct ExperimentConfig: Codable, Hashable, Sendable {
    public var name = "experiment"
    /// A registered dataset key (trec, sst2, …) or a path to a user file.
    public var dataset = "trec"
    /// How the dataset's files are read (user files: columns, encoding, a separate test file; skipping bad rows).
    public var data = LoadOptions()
    /// Model folder; nil means the one installed by setup.
    public var modelPath: String? = nil
    /// How the encoder is tuned: the adapter itself (its kind and settings), as the model builds it.
    public var tuning = AdapterSpec(kind: .lora)
    public var strategies: [StrategyConfig] = [StrategyConfig(kind: .standard), StrategyConfig(kind: .deni)]
    public var runs = 20
    public var trainSamples = 1000
    public var epochs = 10
    public var batchSize = 8
    /// nil: the paper's rate for the tuning kind.
    public var learningRate: Double? = nil
    /// nil: the dataset's paper length.
    public var maxLength: Int? = nil
    public var pooling = Pooling.mean
    public var headDropout = 0.3
    /// Run i uses `baseSeeds` with the varied factors offset by i.
    public var baseSeeds = Seeds(all: 42)
    /// Factors that change from run to run (the paper varies these four together).
    public var variedFactors: [RandomFactor] = [.initialization, .order, .dropout, .noise]
    /// Size of the fixed test subsample used for live curves (0 disables periodic evaluation).
    public var evalSubsample = 300
    /// Evaluate on the subsample every this many steps (0: once per epoch).
    public var evalEvery = 0
    public var threads = 2

    public init() {}

    public var effectiveLearningRate: Double { learningRate ?? tuning.kind.paperLearningRate }

    /// The seeds of run `run` (0-based).
    public func seeds(run: Int) -> Seeds {
        var s = baseSeeds
        for f in variedFactors { s[f] = baseSeeds[f] &+ UInt64(run) &* 1_000_003 }
        return s
    }

    public func validate() throws(ConfigError) {
        if runs < 1 || runs > 10_000 { throw ConfigError("runs", "\(runs)", "1...10000") }
        if trainSamples < 1 { throw ConfigError("training samples", "\(trainSamples)", "≥ 1") }
        if epochs < 1 || epochs > 1000 { throw ConfigError("epochs", "\(epochs)", "1...1000") }
        if batchSize < 1 || batchSize > 4096 { throw ConfigError("batch size", "\(batchSize)", "1...4096") }
        if let lr = learningRate, !(lr > 0 && lr < 1) { throw ConfigError("learning rate", "\(lr)", "0 < lr < 1") }
        if let l = maxLength, l < 3 || l > 512 { throw ConfigError("max length", "\(l)", "3...512") }
        if !(0..<1).contains(headDropout) { throw ConfigError("head dropout", "\(headDropout)", "0..<1") }
        if strategies.isEmpty { throw ConfigError("strategies", "none", "at least one") }
        do { try tuning.validate(hiddenSize: nil) } catch let e as ModelError {
            throw ConfigError(message: "invalid \(e.file) \(e.problem)")
        } catch { throw ConfigError(message: "invalid tuning: \(error)") }
        if evalSubsample < 0 { throw ConfigError("evaluation subsample", "\(evalSubsample)", "≥ 0") }
        if threads < 1 || threads > 64 { throw ConfigError("threads", "\(threads)", "1...64") }
        for s in strategies { try s.validate() }
    }
}

extension ExperimentConfig {
    enum CodingKeys: String, CodingKey { case name, dataset, data, modelPath, tuning, strategies, runs, trainSamples, epochs, batchSize, learningRate, maxLength, pooling, headDropout, baseSeeds, variedFactors, evalSubsample, evalEvery, threads }
    /// Missing keys take their defaults, so configs (and sessions) written by older versions stay readable.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self = ExperimentConfig()
        if let v = try c.decodeIfPresent(String.self, forKey: .name) { name = v }
        if let v = try c.decodeIfPresent(String.self, forKey: .dataset) { dataset = v }
        if let v = try c.decodeIfPresent(LoadOptions.self, forKey: .data) { data = v }
        if let v = try c.decodeIfPresent(String.self, forKey: .modelPath) { modelPath = v }
        if let v = try c.decodeIfPresent(AdapterSpec.self, forKey: .tuning) { tuning = v }
        if let v = try c.decodeIfPresent([StrategyConfig].self, forKey: .strategies) { strategies = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .runs) { runs = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .trainSamples) { trainSamples = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .epochs) { epochs = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .batchSize) { batchSize = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: .learningRate) { learningRate = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .maxLength) { maxLength = v }
        if let v = try c.decodeIfPresent(Pooling.self, forKey: .pooling) { pooling = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: .headDropout) { headDropout = v }
        if let v = try c.decodeIfPresent(Seeds.self, forKey: .baseSeeds) { baseSeeds = v }
        if let v = try c.decodeIfPresent([RandomFactor].self, forKey: .variedFactors) { variedFactors = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .evalSubsample) { evalSubsample = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .evalEvery) { evalEvery = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .threads) { threads = v }
    }
}
