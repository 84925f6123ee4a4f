import DeniCore
import DeniData
import DeniModel
import DeniTraining
import Foundation

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
    /// The index of the first run: the experiment trains runs `firstRun ..< firstRun + runs`, each with its own
    /// index's seeds, so a later experiment with `firstRun` = a recorded one's run count extends it (its runs pair
    /// with the recorded ones run by run).
    public var firstRun = 0
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
    /// The precision of the matrix products (fp32, or bf16 on CPUs with bf16 instructions).
    public var precision = Precision.fp32
    /// The sweep this experiment was expanded from (nil for a plain experiment); its strategies are the expansion.
    public var sweep: SweepPlan? = nil

    public init() {}

    /// The config as a file (`config.json`, presets): pretty-printed with sorted keys, so files diff cleanly.
    public func encoded() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try enc.encode(self)
    }

    public var effectiveLearningRate: Double { learningRate ?? tuning.kind.paperLearningRate }

    /// The indices of the runs this experiment trains.
    public var runIndices: Range<Int> { firstRun..<(firstRun + runs) }

    /// The run indices as text: "5-9".
    public var runRange: String { "\(firstRun)-\(firstRun + runs - 1)" }

    /// "10", or "5 (runs 5-9)" where the experiment extends another.
    public var runsDescription: String { firstRun == 0 ? "\(runs)" : "\(runs) (runs \(runRange))" }

    /// The seeds of run `run` (0-based).
    public func seeds(run: Int) -> Seeds {
        var s = baseSeeds
        for f in variedFactors { s[f] = baseSeeds[f] &+ UInt64(run) &* 1_000_003 }
        return s
    }

    /// Refuses out-of-range values and contradictions, naming the setting and its valid range: every row of the
    /// field table (`ExperimentFields`), the adapter, each strategy, and the strategies' identities (one label each).
    public func validate() throws(ConfigError) {
        if let (_, problem) = ExperimentFields.problem(self) { throw ConfigError(message: problem) }
        if strategies.isEmpty { throw ConfigError("strategies", "none", "at least one") }
        if let m = data.maxLength, !(3...512).contains(m) { throw ConfigError("data.maxLength", "\(m)", "3...512 tokens") }
        if !(1...(1 << 30)).contains(data.maxRowBytes) { throw ConfigError("data.maxRowBytes", "\(data.maxRowBytes)", "1...\(1 << 30) bytes") }
        if !(0...1).contains(data.labelBase) { throw ConfigError("data.labelBase", "\(data.labelBase)", "0 or 1") }
        do { try tuning.validate(hiddenSize: nil) } catch let e as ModelError {
            throw ConfigError(message: "invalid \(e.file) \(e.problem)")
        } catch { throw ConfigError(message: "invalid tuning: \(error)") }
        for s in strategies { try s.validate() }
        for s in strategies where !s.experiment.isEmpty {
            let own: ExperimentConfig
            do throws(FieldError) { own = try resolved(for: s) } catch { throw ConfigError(message: error.message) }
            if let (_, problem) = ExperimentFields.problem(own) { throw ConfigError(message: "\(s.label): \(problem)") }
            do { try own.tuning.validate(hiddenSize: nil) } catch { throw ConfigError(message: "\(s.label): invalid tuning: \(error)") }
        }
        var seen: [String: StrategyConfig] = [:]
        for s in strategies {
            if let other = seen[s.label] {
                throw ConfigError(message: other.identity == s.identity
                    ? "\(s.label) is listed twice with the same settings (a variant needs at least one setting of its own)"
                    : "two strategies carry the label '\(s.label)'")
            }
            seen[s.label] = s
        }
    }
}

extension ExperimentConfig {
    /// The config format this version writes. Format 2: each strategy carries only its kind's settings (and the
    /// label its runs have), unknown keys anywhere are refused with the nearest valid name. A config without
    /// `"format"` is the pre-change format (every study config, every session recorded before): read by the
    /// legacy reader, which accepts every old key, maps each strategy's flat settings to its kind, keeps the
    /// labels its runs were recorded with and reads `null` as "the default" where the old reader did.
    public static let format = 2

    enum CodingKeys: String, CodingKey, CaseIterable {
        case format, name, dataset, data, modelPath, tuning, strategies, runs, firstRun, trainSamples, epochs, batchSize, learningRate, maxLength,
             pooling, headDropout, baseSeeds, variedFactors, evalSubsample, evalEvery, threads, precision, sweep
    }

    public init(from decoder: Decoder) throws {
        try StrictDecoding.refuseUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue), what: "experiment config")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self = ExperimentConfig()
        let format = try c.decodeIfPresent(Int.self, forKey: .format)
        if let f = format, f != Self.format {
            throw DecodingError.dataCorruptedError(forKey: .format, in: c, debugDescription: "config format \(f) is not one this version reads (\(Self.format), or none for the pre-change format)")
        }
        let legacy = format == nil
        // The current format requires a value wherever a key is present; the legacy reader took null as the default.
        func value<T: Decodable>(_ type: T.Type, _ key: CodingKeys) throws -> T? {
            legacy ? try c.decodeIfPresent(type, forKey: key) : c.contains(key) ? try c.decode(type, forKey: key) : nil
        }
        if !legacy {
            // The nested sections are as strict as the top level: a misspelt key is an error, not a default.
            for (key, allowed, what) in [(CodingKeys.tuning, AdapterSpec.settingKeys, "tuning settings"), (.baseSeeds, Seeds.keys, "base seeds"),
                                         (.data, LoadOptions.keys, "data options")] where c.contains(key) {
                let section = try c.superDecoder(forKey: key)
                if (try? section.container(keyedBy: AnyKey.self)) != nil {
                    try StrictDecoding.refuseUnknownKeys(section, allowed: allowed, what: what)
                }
            }
            if c.contains(.data), let data = try? c.nestedContainer(keyedBy: AnyKey.self, forKey: .data), data.contains(AnyKey("columns")),
               (try? data.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("columns"))) != nil {
                try StrictDecoding.refuseUnknownKeys(try data.superDecoder(forKey: AnyKey("columns")), allowed: LoadOptions.columnKeys,
                                                     what: "data columns")
            }
        }
        if let v = try value(String.self, .name) { name = v }
        if let v = try value(String.self, .dataset) { dataset = v }
        if let v = try value(LoadOptions.self, .data) { data = v }
        modelPath = try c.decodeIfPresent(String.self, forKey: .modelPath)
        if let v = try value(AdapterSpec.self, .tuning) { tuning = v }
        if legacy {
            if let v = try c.decodeIfPresent([StrategyConfig.Legacy].self, forKey: .strategies) { strategies = v.map(\.config) }
        } else if let v = try value([StrategyConfig].self, .strategies) {
            strategies = v
        }
        if let v = try value(Int.self, .runs) { runs = v }
        if let v = try value(Int.self, .firstRun) { firstRun = v }
        if let v = try value(Int.self, .trainSamples) { trainSamples = v }
        if let v = try value(Int.self, .epochs) { epochs = v }
        if let v = try value(Int.self, .batchSize) { batchSize = v }
        learningRate = try c.decodeIfPresent(Double.self, forKey: .learningRate)
        maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength)
        if let v = try value(Pooling.self, .pooling) { pooling = v }
        if let v = try value(Double.self, .headDropout) { headDropout = v }
        if let v = try value(Seeds.self, .baseSeeds) { baseSeeds = v }
        if let v = try value([RandomFactor].self, .variedFactors) { variedFactors = v }
        if let v = try value(Int.self, .evalSubsample) { evalSubsample = v }
        if let v = try value(Int.self, .evalEvery) { evalEvery = v }
        if let v = try value(Int.self, .threads) { threads = v }
        if let v = try value(Precision.self, .precision) { precision = v }
        sweep = try c.decodeIfPresent(SweepPlan.self, forKey: .sweep)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.format, forKey: .format)
        try c.encode(name, forKey: .name)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(data, forKey: .data)
        try c.encodeIfPresent(modelPath, forKey: .modelPath)
        try c.encode(tuning, forKey: .tuning)
        // Each strategy is written with the label its runs carry, so a later change of labelling cannot orphan them.
        try c.encode(strategies.map { s -> StrategyConfig in var s = s; s.name = s.label; return s }, forKey: .strategies)
        try c.encode(runs, forKey: .runs)
        // Written only when it is not 0, so every config recorded before the key existed reads back unchanged.
        if firstRun != 0 { try c.encode(firstRun, forKey: .firstRun) }
        try c.encode(trainSamples, forKey: .trainSamples)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encodeIfPresent(learningRate, forKey: .learningRate)
        try c.encodeIfPresent(maxLength, forKey: .maxLength)
        try c.encode(pooling, forKey: .pooling)
        try c.encode(headDropout, forKey: .headDropout)
        try c.encode(baseSeeds, forKey: .baseSeeds)
        try c.encode(variedFactors, forKey: .variedFactors)
        try c.encode(evalSubsample, forKey: .evalSubsample)
        try c.encode(evalEvery, forKey: .evalEvery)
        try c.encode(threads, forKey: .threads)
        // Written only when it is not fp32, so every config recorded before the key existed reads back unchanged.
        if precision != .fp32 { try c.encode(precision, forKey: .precision) }
        try c.encodeIfPresent(sweep, forKey: .sweep)
    }

    /// Reads a config file (either format), with one clear line naming the file and the place on failure.
    public static func load(_ url: URL) throws -> ExperimentConfig {
        let data: Data
        do { data = try FileProblem.contents(of: url) } catch {
            throw ConfigError(message: "\(url.path): cannot read the file (\(FileProblem.describe(error)))")
        }
        do { return try newExperiment(from: data) } catch {
            throw ConfigError(message: "\(url.path): \(StrictDecoding.describe(error, decoding: data))")
        }
    }

    /// A config file read to start a new experiment (`--config`, a preset). The reader keeps the labels a
    /// pre-change config's runs were recorded with (each kind's plain name, whatever its settings), which a
    /// session being resumed needs; a new experiment's runs take the labels their settings give instead, so a
    /// variant written in the old format ("deni" with scheduled copies) is never recorded as plain "DENI".
    public static func newExperiment(from data: Data) throws -> ExperimentConfig {
        struct Format: Decodable { var format: Int? }
        var config = try JSONDecoder().decode(ExperimentConfig.self, from: data)
        if (try? JSONDecoder().decode(Format.self, from: data))?.format == nil {
            for i in config.strategies.indices { config.strategies[i].name = nil }
        }
        return config
    }
}
