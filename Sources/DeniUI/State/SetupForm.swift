import Foundation
import DeniCore
import DeniExperiments
import DeniTraining

/// The Setup screen's form: which fields exist, how each shows, parses and validates its value.

public enum SetupField: Hashable, Sendable {
    case name, dataset, datasetPath, modelPath
    case tuning, loraRank, loraAlpha, loraDropout
    case strategy(StrategyKind)
    case ensembleSize, noiseVariance, interpolationStart, interpolationEnd, period, roundLength, ensembleStart, anneal, vote
    case runs, trainSamples, epochs, batchSize, learningRate, seed, maxLength, evalSubsample, evalEvery
    case preset, start

    /// A free-text field (Enter edits it) rather than a choice (←/→ cycles) or a switch (space).
    public var isText: Bool {
        switch self {
        case .dataset, .tuning, .strategy, .anneal, .vote, .preset, .start: false
        default: true
        }
    }

    public var label: String {
        switch self {
        case .name: "Experiment name"
        case .dataset: "Dataset"
        case .datasetPath: "Dataset file"
        case .modelPath: "Model folder"
        case .tuning: "Tuning"
        case .loraRank: "LoRA rank"
        case .loraAlpha: "LoRA alpha"
        case .loraDropout: "LoRA dropout"
        case .strategy(let k): k.displayName
        case .ensembleSize: "Ensemble size K"
        case .noiseVariance: "Noise variance"
        case .interpolationStart: "Interpolation start"
        case .interpolationEnd: "Interpolation end"
        case .period: "Interpolation period"
        case .roundLength: "Round length"
        case .ensembleStart: "Ensemble start"
        case .anneal: "Anneal noise"
        case .vote: "Vote"
        case .runs: "Runs"
        case .trainSamples: "Training samples"
        case .epochs: "Epochs"
        case .batchSize: "Batch size"
        case .learningRate: "Learning rate"
        case .seed: "Base seed"
        case .maxLength: "Max length"
        case .evalSubsample: "Eval subsample"
        case .evalEvery: "Eval every"
        case .preset: "Preset"
        case .start: "▶ Start training"
        }
    }

    /// Valid range and a one-line explanation.
    public var help: String {
        switch self {
        case .name: "session and preset name: letters, digits, . _ -"
        case .dataset: "←/→ choose; 'file' takes a path to your own CSV/TSV/JSONL"
        case .datasetPath: "readable file; columns 'text' and 'label' (mapping: request pending)"
        case .modelPath: "Hugging Face BERT folder: config.json, vocab.txt, model.safetensors"
        case .tuning: "full fine-tuning or a PEFT method (LoRA, IA3, UniPELT)"
        case .loraRank: "1...384 · rank r of the low-rank update"
        case .loraAlpha: "> 0 · update scaled by alpha / r"
        case .loraDropout: "0...0.9 · dropout on the LoRA input"
        case .strategy(let k): k.summary
        case .ensembleSize: "1...64 · K models in the delayed ensemble"
        case .noiseVariance: "≥ 0 · variance of the noise added at each interpolation"
        case .interpolationStart: "0...1 · fraction of training when interpolation rounds start"
        case .interpolationEnd: "0...1, ≥ start · when interpolation rounds stop"
        case .period: "> 0 · time between rounds: '1' or '1e' epochs, '50s' steps"
        case .roundLength: "> 0 · how long the noisy copies train before averaging"
        case .ensembleStart: "0...1 · fraction of training when the K copies split for good"
        case .anneal: "scale the noise down as training goes on"
        case .vote: "how the final ensemble combines its members"
        case .runs: "1...10000 · repetitions with varied seeds"
        case .trainSamples: "≥ 1 · labelled examples drawn for training"
        case .epochs: "1...1000 · passes over the training samples"
        case .batchSize: "1...4096 · examples per optimiser step"
        case .learningRate: "0 < lr < 1 · empty = the paper's rate for the tuning kind"
        case .seed: "0...2^64-1 · base of every run's seeds"
        case .maxLength: "3...512 tokens · empty = the dataset's paper length"
        case .evalSubsample: "≥ 0 · test examples evaluated during training (0: none)"
        case .evalEvery: "≥ 0 steps · evaluation interval (0: once per epoch)"
        case .preset: "←/→ paper defaults, quick look, or a saved preset; W saves"
        case .start: "Enter or s: validate and start"
        }
    }

    public var section: String {
        switch self {
        case .name, .dataset, .datasetPath, .modelPath: "Data and model"
        case .tuning, .loraRank, .loraAlpha, .loraDropout: "Tuning"
        case .strategy: "Strategies to compare"
        case .ensembleSize, .noiseVariance, .interpolationStart, .interpolationEnd, .period, .roundLength, .ensembleStart, .anneal, .vote:
            "DENI hyperparameters"
        case .runs, .trainSamples, .epochs, .batchSize, .learningRate, .seed, .maxLength, .evalSubsample, .evalEvery: "Protocol"
        case .preset, .start: "Go"
        }
    }
}

/// A named configuration the Setup screen can load.
public struct Preset: Hashable, Sendable {
    public var name: String
    public var config: ExperimentConfig
    public var builtIn: Bool
    public init(name: String, config: ExperimentConfig, builtIn: Bool) { self.name = name; self.config = config; self.builtIn = builtIn }

    /// The paper's defaults (ExperimentConfig's defaults).
    public static var paper: Preset { Preset(name: "paper defaults", config: ExperimentConfig(), builtIn: true) }

    /// A run that finishes in minutes: 3 runs of 200 samples, 2 epochs, Default vs DENI with K = 3.
    public static var quickLook: Preset {
        var c = ExperimentConfig()
        c.name = "quick-look"; c.runs = 3; c.trainSamples = 200; c.epochs = 2; c.evalSubsample = 100
        var deni = StrategyConfig(kind: .deni)
        deni.deni.ensembleSize = 3
        c.strategies = [StrategyConfig(kind: .standard), deni]
        return Preset(name: "quick look (minutes)", config: c, builtIn: true)
    }
}

/// A text field being edited.
public struct EditBuffer: Hashable, Sendable {
    public var field: SetupField
    public var text: String
    public static let maxLength = 240
}

public struct SetupState: Hashable, Sendable {
    public var config: ExperimentConfig
    public var datasets: [DatasetChoice]
    public var defaultModelPath: String
    /// True when the dataset is a user file rather than a registered key.
    public var datasetIsFile: Bool
    public var cursor = 0
    public var scroll = 0
    public var editing: EditBuffer?
    /// Inline refusal reasons, by field.
    public var errors: [SetupField: String] = [:]
    /// A line under the form (start refused, preset saved…).
    public var message: String?
    public var presets: [Preset]
    public var presetIndex = -1

    public init(config: ExperimentConfig, datasets: [DatasetChoice], defaultModelPath: String, presets: [Preset]) {
        self.config = config; self.datasets = datasets; self.defaultModelPath = defaultModelPath; self.presets = presets
        datasetIsFile = !datasets.contains { $0.key == config.dataset }
    }

    /// The fields shown now (LoRA fields only for LoRA/UniPELT, the file path only for a user file).
    public var fields: [SetupField] {
        var f: [SetupField] = [.name, .dataset]
        if datasetIsFile { f.append(.datasetPath) }
        f += [.modelPath, .tuning]
        if config.tuning.kind == .lora || config.tuning.kind == .unipelt { f += [.loraRank, .loraAlpha, .loraDropout] }
        f += StrategyKind.allCases.map { .strategy($0) }
        f += [.ensembleSize, .noiseVariance, .interpolationStart, .interpolationEnd, .period, .roundLength, .ensembleStart, .anneal, .vote]
        f += [.runs, .trainSamples, .epochs, .batchSize, .learningRate, .seed, .maxLength, .evalSubsample, .evalEvery, .preset, .start]
        return f
    }

    public var currentField: SetupField { let f = fields; return f[min(max(0, cursor), f.count - 1)] }

    /// DENI hyperparameters shown in the form: those of the first DENI-family strategy (all share them).
    public var deni: DENIConfig {
        config.strategies.first { [.de, .ni, .deni, .deniAugment].contains($0.kind) }?.deni ?? storedDENI
    }
    /// Kept when no DENI-family strategy is selected, so edits are not lost.
    public var storedDENI = DENIConfig()

    public var selectedDataset: DatasetChoice? { datasets.first { $0.key == config.dataset } }

    // MARK: display

    public func value(_ field: SetupField) -> String {
        let c = config
        switch field {
        case .name: return c.name
        case .dataset:
            if datasetIsFile { return "file" }
            guard let d = selectedDataset else { return c.dataset }
            return "\(d.key) · \(d.title) · \(d.classes) cl · \(d.size) · \(d.present ? "present" : "MISSING")"
        case .datasetPath: return datasetIsFile ? c.dataset : ""
        case .modelPath: return c.modelPath ?? defaultModelPath
        case .tuning: return c.tuning.kind.rawValue
        case .loraRank: return "\(c.tuning.loraRank)"
        case .loraAlpha: return SetupState.num(c.tuning.loraAlpha)
        case .loraDropout: return SetupState.num(c.tuning.loraDropout)
        case .strategy(let k): return c.strategies.contains { $0.kind == k } ? "on" : "off"
        case .ensembleSize: return "\(deni.ensembleSize)"
        case .noiseVariance: return SetupState.num(deni.noiseVariance)
        case .interpolationStart: return SetupState.num(deni.interpolationStart)
        case .interpolationEnd: return SetupState.num(deni.interpolationEnd)
        case .period: return SetupState.span(deni.period)
        case .roundLength: return SetupState.span(deni.roundLength)
        case .ensembleStart: return SetupState.num(deni.ensembleStart)
        case .anneal: return deni.anneal ? "on" : "off"
        case .vote: return deni.vote.rawValue
        case .runs: return "\(c.runs)"
        case .trainSamples: return "\(c.trainSamples)"
        case .epochs: return "\(c.epochs)"
        case .batchSize: return "\(c.batchSize)"
        case .learningRate: return c.learningRate.map { SetupState.num($0) } ?? ""
        case .seed: return "\(c.baseSeeds.initialization)"
        case .maxLength: return c.maxLength.map { "\($0)" } ?? ""
        case .evalSubsample: return "\(c.evalSubsample)"
        case .evalEvery: return "\(c.evalEvery)"
        case .preset: return presetIndex >= 0 && presetIndex < presets.count ? presets[presetIndex].name : "(custom)"
        case .start: return ""
        }
    }

    /// Placeholder shown for an empty optional field.
    public func placeholder(_ field: SetupField) -> String? {
        switch field {
        case .learningRate: "paper: \(SetupState.num(config.tuning.kind.paperLearningRate))"
        case .maxLength: "paper: \(selectedDataset.map { "\($0.maxLength)" } ?? "dataset's")"
        default: nil
        }
    }

    static func num(_ v: Float) -> String {
        if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
        return "\(v)"
    }

    static func num(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
        return "\(v)"
    }

    static func span(_ s: Span) -> String {
        switch s {
        case .steps(let n): "\(n)s"
        case .epochs(let e): "\(num(e))e"
        }
    }

    // MARK: editing

    /// Applies `text` to `field`, refusing it (returning the reason) when it does not parse or makes the
    /// configuration invalid. The config is unchanged on refusal.
    public mutating func commit(_ field: SetupField, text raw: String) -> String? {
        let text = raw.trimmingCharacters(in: .whitespaces)
        var c = config
        var d = deni
        func int(_ range: ClosedRange<Int>? = nil) throws(FieldError) -> Int {
            guard let v = Int(text) else { throw FieldError("'\(SetupState.short(text))' is not a whole number") }
            if let r = range, !r.contains(v) { throw FieldError("\(v) is outside \(r.lowerBound)...\(r.upperBound)") }
            return v
        }
        func dbl() throws(FieldError) -> Double {
            guard let v = Double(text), v.isFinite else { throw FieldError("'\(SetupState.short(text))' is not a number") }
            return v
        }
        do throws(FieldError) {
            switch field {
            case .name:
                guard !text.isEmpty, text.count <= 64,
                      text.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-".unicodeScalars.contains($0) })
                else { throw FieldError("use 1-64 letters, digits, '.', '_' or '-'") }
                c.name = text
            case .datasetPath:
                if let problem = SetupState.checkDatasetFile(text) { throw FieldError(problem) }
                c.dataset = text
            case .modelPath:
                if let problem = SetupState.checkModelFolder(text) { throw FieldError(problem) }
                c.modelPath = text == defaultModelPath ? nil : text
            case .loraRank: c.tuning.loraRank = try int()
            case .loraAlpha:
                let v = try dbl(); if !(v > 0) { throw FieldError("alpha must be > 0") }
                c.tuning.loraAlpha = Float(v)
            case .loraDropout:
                let v = try dbl(); if !(0...0.9).contains(v) { throw FieldError("\(text) is outside 0...0.9") }
                c.tuning.loraDropout = Float(v)
            case .ensembleSize: d.ensembleSize = try int()
            case .noiseVariance: d.noiseVariance = try dbl()
            case .interpolationStart: d.interpolationStart = try dbl()
            case .interpolationEnd: d.interpolationEnd = try dbl()
            case .period: d.period = try SetupState.parseSpan(text)
            case .roundLength: d.roundLength = try SetupState.parseSpan(text)
            case .ensembleStart: d.ensembleStart = try dbl()
            case .runs: c.runs = try int()
            case .trainSamples: c.trainSamples = try int()
            case .epochs: c.epochs = try int()
            case .batchSize: c.batchSize = try int()
            case .learningRate: c.learningRate = text.isEmpty ? nil : try dbl()
            case .seed:
                guard let v = UInt64(text) else { throw FieldError("'\(SetupState.short(text))' is not a seed (0...2^64-1)") }
                c.baseSeeds = Seeds(all: v)
            case .maxLength: c.maxLength = text.isEmpty ? nil : try int()
            case .evalSubsample: c.evalSubsample = try int()
            case .evalEvery:
                let v = try int(); if v < 0 { throw FieldError("\(v) is below 0") }
                c.evalEvery = v
            default: return nil
            }
        } catch {
            return error.message
        }
        return adopt(c, deni: d)
    }

    /// Takes `candidate` (with `deniConfig` applied to DENI-family strategies) unless validation refuses it.
    mutating func adopt(_ candidate: ExperimentConfig, deni deniConfig: DENIConfig) -> String? {
        var c = candidate
        for i in c.strategies.indices { c.strategies[i].deni = deniConfig }
        do throws(ConfigError) {
            try c.validate()
        } catch {
            // Only refuse errors this change introduced; an already-invalid config must stay editable.
            let before: String? = { do throws(ConfigError) { try config.validate(); return nil } catch { return error.description } }()
            if before != error.description { return error.description }
        }
        config = c
        storedDENI = deniConfig
        presetIndex = -1
        // The form no longer is the preset: drop the "loaded preset" note so the plan line shows again.
        if message?.hasPrefix("loaded preset") == true { message = nil }
        return nil
    }

    /// Cycles a choice field by `delta` (dataset, tuning, vote, preset) or flips a switch.
    public mutating func cycle(_ field: SetupField, by delta: Int) -> String? {
        var c = config
        var d = deni
        switch field {
        case .dataset:
            let keys = datasets.map(\.key) + ["file"]
            let cur = datasetIsFile ? keys.count - 1 : (keys.firstIndex(of: c.dataset) ?? 0)
            let next = keys[((cur + delta) % keys.count + keys.count) % keys.count]
            if next == "file" {
                datasetIsFile = true
                c.dataset = ""
            } else {
                datasetIsFile = false
                c.dataset = next
            }
            config.dataset = c.dataset
            presetIndex = -1
            return nil
        case .tuning:
            let all = AdapterSpec.Kind.allCases
            c.tuning.kind = all[((all.firstIndex(of: c.tuning.kind)! + delta) % all.count + all.count) % all.count]
        case .strategy(let k):
            if let i = c.strategies.firstIndex(where: { $0.kind == k }) {
                if c.strategies.count == 1 { return "keep at least one strategy" }
                c.strategies.remove(at: i)
            } else {
                c.strategies.append(StrategyConfig(kind: k))
                let order = StrategyKind.allCases
                c.strategies.sort { order.firstIndex(of: $0.kind)! < order.firstIndex(of: $1.kind)! }
            }
        case .anneal: d.anneal.toggle()
        case .vote: d.vote = d.vote == .hard ? .soft : .hard
        case .preset:
            guard !presets.isEmpty else { return "no presets" }
            let i = ((presetIndex + delta) % presets.count + presets.count) % presets.count
            load(presets[i])
            presetIndex = i
            return nil
        default: return nil
        }
        return adopt(c, deni: d)
    }

    /// Loads a preset, keeping the chosen dataset and model folder.
    public mutating func load(_ preset: Preset) {
        var c = preset.config
        c.dataset = config.dataset; c.modelPath = config.modelPath
        config = c
        storedDENI = preset.config.strategies.first { [.de, .ni, .deni, .deniAugment].contains($0.kind) }?.deni ?? DENIConfig()
        errors = [:]
        message = "loaded preset '\(preset.name)'"
    }

    /// Everything that must hold before training starts; nil when ready.
    public func readiness() -> String? {
        do throws(ConfigError) { try config.validate() } catch { return error.description }
        if datasetIsFile {
            if let p = SetupState.checkDatasetFile(config.dataset) { return "dataset file: \(p)" }
        } else if let d = selectedDataset, !d.present {
            return "dataset '\(d.key)' is not on disk: run ./scripts/setup.sh or choose another"
        } else if selectedDataset == nil {
            return "unknown dataset '\(config.dataset)'"
        }
        if let p = SetupState.checkModelFolder(config.modelPath ?? defaultModelPath) { return "model folder: \(p)" }
        return nil
    }

    // MARK: parsing and checks

    public struct FieldError: Error { public let message: String; init(_ m: String) { message = m } }

    static func short(_ s: String) -> String { s.count > 24 ? String(s.prefix(24)) + "…" : s }

    /// "2", "2e", "1.5 epochs" → epochs; "50s", "50 steps" → steps.
    static func parseSpan(_ text: String) throws(FieldError) -> Span {
        let t = text.lowercased().replacingOccurrences(of: " ", with: "")
        for suffix in ["steps", "step", "s"] where t.hasSuffix(suffix) {
            guard let n = Int(t.dropLast(suffix.count)) else { break }
            return .steps(n)
        }
        var body = Substring(t)
        for suffix in ["epochs", "epoch", "e"] where body.hasSuffix(suffix) { body = body.dropLast(suffix.count); break }
        guard let e = Double(body), e.isFinite else { throw FieldError("'\(short(text))' is not a span: try '1e' (epochs) or '50s' (steps)") }
        return .epochs(e)
    }

    /// Why `path` cannot serve as a model folder, or nil.
    public static func checkModelFolder(_ path: String) -> String? {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard !path.isEmpty else { return "empty path" }
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { return "\(short(path)) does not exist" }
        guard isDir.boolValue else { return "\(short(path)) is not a folder" }
        for f in ["config.json", "vocab.txt", "model.safetensors"] {
            let p = (path as NSString).appendingPathComponent(f)
            if !fm.isReadableFile(atPath: p) { return "\(f) missing or unreadable in \(short(path))" }
        }
        return nil
    }

    /// Why `path` cannot serve as a dataset file, or nil.
    public static func checkDatasetFile(_ path: String) -> String? {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard !path.isEmpty else { return "enter a file path" }
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { return "\(short(path)) does not exist" }
        if isDir.boolValue { return "\(short(path)) is a folder, not a file" }
        if !fm.isReadableFile(atPath: path) { return "\(short(path)) is not readable" }
        return nil
    }
}
