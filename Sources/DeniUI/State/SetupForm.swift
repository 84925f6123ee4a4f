import Foundation
import DeniCore
import DeniData
import DeniExperiments
import DeniTraining

/// The Setup screen's form: the rows of the field table (`ExperimentFields`, each strategy's settings), plus the
/// dataset chooser, the strategy switches, presets and Start. What a user sets here lands in the same config as
/// the same setting given on the command line, with the same validation.

public enum SetupField: Hashable, Sendable {
    /// Registered datasets and "file" (←/→).
    case dataset
    /// An experiment-level row of `ExperimentFields`, by key.
    case setting(String)
    /// Includes or excludes a strategy kind (space).
    case strategy(StrategyKind)
    /// A setting of the strategy at this index of `config.strategies`, by key.
    case strategySetting(Int, String)
    case preset, start

    // The experiment settings tests and screens name most.
    public static let name = SetupField.setting("name"), datasetPath = SetupField.setting("dataset"), modelPath = SetupField.setting("modelPath")
    public static let tuning = SetupField.setting("tuning.kind"), loraRank = SetupField.setting("tuning.loraRank")
    public static let loraAlpha = SetupField.setting("tuning.loraAlpha"), loraDropout = SetupField.setting("tuning.loraDropout")
    public static let runs = SetupField.setting("runs"), trainSamples = SetupField.setting("trainSamples"), epochs = SetupField.setting("epochs")
    public static let batchSize = SetupField.setting("batchSize"), learningRate = SetupField.setting("learningRate")
    public static let seed = SetupField.setting("seed"), maxLength = SetupField.setting("maxLength")
    public static let evalSubsample = SetupField.setting("evalSubsample"), evalEvery = SetupField.setting("evalEvery")

    var row: ExperimentFields.Row? {
        if case .setting(let key) = self { return ExperimentFields.rows.first { $0.field.key == key } }
        return nil
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
        deni.deni?.ensembleSize = 3
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
    /// Strategies switched off, kept so that switching one back on restores its settings.
    public var switchedOff: [StrategyKind: [StrategyConfig]] = [:]
    /// The user's data file as training would read it; nil for a registered dataset.
    public var preview: DataPreviewState?
    /// `D` asked for the preview: open it when it arrives.
    public var previewRequested = false

    public init(config: ExperimentConfig, datasets: [DatasetChoice], defaultModelPath: String, presets: [Preset]) {
        self.config = config; self.datasets = datasets; self.defaultModelPath = defaultModelPath; self.presets = presets
        datasetIsFile = !datasets.contains { $0.key == config.dataset }
    }

    /// The settings a strategy shows in the form: its kind's own (length only where the kind sets it).
    static func formFields(_ s: StrategyConfig) -> [SettingField<StrategyConfig>] {
        let own = Set(StrategySettings.fields(s.kind).map(\.key))
        let lengthToo = s.kind == .bestPractices || s.kind == .augment
        return s.fields.filter { own.contains($0.key) || lengthToo }
    }

    /// The fields shown now: each section's rows that apply (an adapter's rows only when the tuning kind reads
    /// them, file rows only for a user file), the strategy switches, each chosen strategy's settings, then presets
    /// and Start.
    public var fields: [SetupField] {
        var f: [SetupField] = []
        func rows(_ section: ExperimentFields.Section) -> [SetupField] {
            ExperimentFields.rows.filter { $0.section == section && $0.applies(config) }.map { .setting($0.field.key) }
        }
        for field in rows(.dataAndModel) {
            if field == .datasetPath {
                f.append(.dataset)
                if datasetIsFile { f.append(.datasetPath) }
            } else {
                f.append(field)
            }
        }
        f += rows(.tuning)
        f += StrategyKind.allCases.map { .strategy($0) }
        for (i, s) in config.strategies.enumerated() { f += Self.formFields(s).map { .strategySetting(i, $0.key) } }
        f += rows(.protocolSettings)
        if datasetIsFile { f += rows(.userData) }
        f += [.preset, .start]
        return f
    }

    public var currentField: SetupField { let f = fields; return f[min(max(0, cursor), f.count - 1)] }

    public var selectedDataset: DatasetChoice? { datasets.first { $0.key == config.dataset } }

    /// The strategy field behind `.strategySetting`, with the strategy's index.
    func strategyField(_ field: SetupField) -> (Int, SettingField<StrategyConfig>)? {
        guard case let .strategySetting(i, key) = field, config.strategies.indices.contains(i),
              let f = config.strategies[i].fields.first(where: { $0.key == key }) else { return nil }
        return (i, f)
    }

    // MARK: display

    /// A free-text field (Enter edits it) rather than a choice (←/→ cycles) or a switch (space).
    public func isText(_ field: SetupField) -> Bool {
        switch field {
        case .dataset, .strategy, .preset, .start: false
        case .setting: field.row?.field.choices == nil
        case .strategySetting: strategyField(field)?.1.choices == nil
        }
    }

    public func label(_ field: SetupField) -> String {
        switch field {
        case .dataset: "Dataset"
        case .setting(let key): key == "dataset" ? "Dataset file" : field.row?.field.label ?? key
        case .strategy(let k): k.displayName
        case .strategySetting: strategyField(field)?.1.label ?? ""
        case .preset: "Preset"
        case .start: "▶ Start training"
        }
    }

    /// Valid range and a one-line explanation.
    public func help(_ field: SetupField) -> String {
        switch field {
        case .dataset: "←/→ choose; 'file' takes a path to your own CSV/TSV/JSONL"
        case .setting(let key):
            if key == "dataset" { "readable CSV/TSV/JSONL file; columns below (empty: found automatically)" }
            else if let f = field.row?.field { "\(f.valid) · \(f.help)" } else { "" }
        case .strategy(let k): k.summary
        case .strategySetting: strategyField(field).map { "\($0.1.valid) · \($0.1.help)" } ?? ""
        case .preset: "←/→ paper defaults, quick look, or a saved preset; W saves"
        case .start: "Enter or s: validate and start"
        }
    }

    public func section(_ field: SetupField) -> String {
        switch field {
        case .dataset: ExperimentFields.Section.dataAndModel.rawValue
        case .setting: field.row?.section.rawValue ?? ""
        case .strategy: "Strategies to compare"
        case .strategySetting(let i, _): config.strategies.indices.contains(i) ? "\(config.strategies[i].label) settings" : ""
        case .preset, .start: "Go"
        }
    }

    public func value(_ field: SetupField) -> String {
        switch field {
        case .dataset:
            if datasetIsFile { return "file" }
            guard let d = selectedDataset else { return config.dataset }
            return "\(d.key) · \(d.title) · \(d.classes) cl · \(d.size) · \(d.present ? "present" : "MISSING")"
        case .setting(let key):
            if key == "dataset" { return datasetIsFile ? config.dataset : "" }
            if key == "modelPath" { return config.modelPath ?? defaultModelPath }
            return field.row?.field.read(config) ?? ""
        case .strategy(let k): return config.strategies.contains { $0.kind == k } ? "on" : "off"
        case .strategySetting(let i, _): return strategyField(field).map { $0.1.read(config.strategies[i]) } ?? ""
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

    static func num(_ v: Double) -> String { FieldText.format(v) }

    // MARK: editing

    /// Applies `text` to `field` through its row of the field table, refusing it (returning the reason) when it
    /// does not parse or makes the configuration invalid. The config is unchanged on refusal.
    public mutating func commit(_ field: SetupField, text raw: String) -> String? {
        let text = raw.trimmingCharacters(in: .whitespaces)
        var c = config
        switch field {
        case .setting(let key):
            if key == "dataset", let problem = SetupState.checkDatasetFile(text) { return problem }
            if key == "modelPath" {
                if let problem = SetupState.checkModelFolder(text) { return problem }
                c.modelPath = text == defaultModelPath ? nil : text
                return adopt(c)
            }
            guard let row = field.row else { return nil }
            do throws(FieldError) { try row.field.set(&c, text) } catch { return error.message }
        case .strategySetting(let i, _):
            guard let (_, f) = strategyField(field) else { return nil }
            do throws(FieldError) { try f.set(&c.strategies[i], text) } catch { return error.message }
            c.strategies[i].name = nil   // the label follows the settings
        default: return nil
        }
        return adopt(c)
    }

    /// Takes `candidate` unless validation refuses it with an error this change introduced.
    mutating func adopt(_ candidate: ExperimentConfig) -> String? {
        do throws(ConfigError) {
            try candidate.validate()
        } catch {
            // Only refuse errors this change introduced; an already-invalid config must stay editable.
            let before: String? = { do throws(ConfigError) { try config.validate(); return nil } catch { return error.description } }()
            if before != error.description { return error.description }
        }
        config = candidate
        presetIndex = -1
        // The form no longer is the preset: drop the "loaded preset" note so the plan line shows again.
        if message?.hasPrefix("loaded preset") == true { message = nil }
        return nil
    }

    /// Cycles a choice field by `delta` (dataset, a choice setting, preset) or flips a switch (a strategy).
    public mutating func cycle(_ field: SetupField, by delta: Int) -> String? {
        var c = config
        func step(_ choices: [String], _ current: String) -> String {
            let i = choices.firstIndex(of: current) ?? 0
            return choices[((i + delta) % choices.count + choices.count) % choices.count]
        }
        switch field {
        case .dataset:
            let keys = datasets.map(\.key) + ["file"]
            let cur = datasetIsFile ? keys.count - 1 : (keys.firstIndex(of: c.dataset) ?? 0)
            let next = keys[((cur + delta) % keys.count + keys.count) % keys.count]
            datasetIsFile = next == "file"
            config.dataset = datasetIsFile ? "" : next
            presetIndex = -1
            return nil
        case .setting:
            guard let f = field.row?.field, let choices = f.choices else { return nil }
            do throws(FieldError) { try f.set(&c, step(choices, f.read(c))) } catch { return error.message }
        case .strategySetting(let i, _):
            guard let (_, f) = strategyField(field), let choices = f.choices else { return nil }
            do throws(FieldError) { try f.set(&c.strategies[i], step(choices, f.read(c.strategies[i]))) } catch { return error.message }
            c.strategies[i].name = nil
        case .strategy(let k):
            if c.strategies.contains(where: { $0.kind == k }) {
                if c.strategies.allSatisfy({ $0.kind == k }) { return "keep at least one strategy" }
                switchedOff[k] = c.strategies.filter { $0.kind == k }
                c.strategies.removeAll { $0.kind == k }
            } else {
                c.strategies += switchedOff[k] ?? [StrategyConfig(kind: k)]
                let order = StrategyKind.allCases
                c.strategies.sort { order.firstIndex(of: $0.kind)! < order.firstIndex(of: $1.kind)! }
            }
        case .preset:
            guard !presets.isEmpty else { return "no presets" }
            let i = ((presetIndex + delta) % presets.count + presets.count) % presets.count
            load(presets[i])
            presetIndex = i
            return nil
        case .start: return nil
        }
        return adopt(c)
    }

    /// Fills the form with a recorded session's config, as it ran (its dataset, strategies and settings).
    public mutating func load(session name: String, config c: ExperimentConfig) {
        config = c
        datasetIsFile = !datasets.contains { $0.key == c.dataset }
        switchedOff = [:]; errors = [:]; editing = nil
        presetIndex = -1; cursor = 0; scroll = 0
        message = "loaded the config of session '\(name)'"
    }

    /// Loads a preset, keeping the chosen dataset and model folder.
    public mutating func load(_ preset: Preset) {
        var c = preset.config
        c.dataset = config.dataset; c.modelPath = config.modelPath
        config = c
        switchedOff = [:]
        errors = [:]
        message = "loaded preset '\(preset.name)'"
    }

    /// Loads an experiment copied from a recorded one (Results' `y` on a sweep point): all of it, its dataset and
    /// model folder included.
    public mutating func load(copied c: ExperimentConfig, label: String) {
        config = c
        datasetIsFile = !datasets.contains { $0.key == c.dataset }
        switchedOff = [:]
        errors = [:]
        editing = nil
        presetIndex = -1
        message = "copied '\(label)' into Setup: s starts it"
    }

    /// Everything that must hold before training starts; nil when ready.
    public func readiness() -> String? {
        if datasetIsFile, let p = SetupState.checkDatasetFile(config.dataset) { return "dataset file: \(p)" }
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

    // MARK: checks

    static func short(_ s: String) -> String { s.count > 24 ? String(s.prefix(24)) + "…" : s }

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

/// Setup's preview of a user's data file.
public enum DataPreviewState: Hashable, Sendable {
    case loading
    case loaded(DatasetPreview)
    /// The loader's one-line refusal (file, line, problem).
    case failed(String)
}
