import ArgumentParser
import DeniCore
import DeniData
import DeniExperiments
import DeniTraining
import Foundation

/// Options shared by `train`, `run` and `sweep`: a config file, the strategies, and every setting of the field
/// table (`ExperimentFields`) as a flag of its own (`--epochs 5`, `--noise-variance 0.3`) or as `--set KEY=VALUE`.
/// The setting flags are not declared one by one: they are read from the table, so a new setting is one row there.
struct ExperimentOptions: ParsableArguments {
    @Option(help: "A JSON experiment config (as saved in a session's config.json); flags given too override only the settings they name.")
    var config: String?
    @Option(name: .customLong("strategy"), parsing: .upToNextOption,
            help: "Mitigation strategies: \(StrategyKind.allCases.map(\.rawValue).joined(separator: ", ")). With --config, a strategy the config has keeps its settings there.")
    var strategies: [String] = []
    @Option(name: .customLong("set"), help: ArgumentHelp("Any setting by its key (repeatable): an experiment key (epochs, tuning.loraRank…), KIND.KEY for one kind's strategies (deni.noiseScope=head), or a bare strategy key for every strategy that has it.", valueName: "key=value"))
    var assignments: [String] = []
    @Option(help: "Model folder (default: the config's modelPath, else the one setup installed).") var model: String?
    @Option(help: "Data folder (default: the one setup filled).") var data: String?
    /// `--<flag> VALUE` for every row of the field table (see the command's help).
    @Argument(parsing: .allUnrecognized, help: .hidden) var settingFlags: [String] = []

    /// The config these options describe: the file (or the defaults), then --strategy, then the setting flags in
    /// order, then --set, then validation (one validation, the field table's).
    func experimentConfig(defaultStrategies: [StrategyKind], defaultRuns: Int) throws -> ExperimentConfig {
        var c = ExperimentConfig()
        if let path = config {
            do { c = try ExperimentConfig.load(URL(fileURLWithPath: path)) } catch { throw ValidationError("--config \(error)") }
        } else {
            c.strategies = defaultStrategies.map(StrategyConfig.init(kind:))
            c.runs = defaultRuns
        }
        if !strategies.isEmpty {
            var chosen: [StrategyConfig] = []
            for name in strategies {
                guard let kind = StrategyKind(rawValue: name) else {
                    throw ValidationError("--strategy: unknown strategy '\(name)'" + (StrictDecoding.nearest(name, in: StrategyKind.allCases.map(\.rawValue)).map { " (did you mean '\($0)'?)" }
                        ?? " (valid: \(StrategyKind.allCases.map(\.rawValue).joined(separator: ", ")))"))
                }
                // A kind the config has keeps its settings (every variant of it); a kind it lacks gets the defaults.
                let fromConfig = config == nil ? [] : c.strategies.filter { $0.kind == kind }
                chosen += fromConfig.isEmpty ? [StrategyConfig(kind: kind)] : fromConfig
            }
            c.strategies = chosen
        }
        let flags = try parsedFlags()
        for (key, value) in flags {
            do { try ExperimentFields.set(&c, key, value) } catch { throw ValidationError("--\(key) \(value): \(error.message)") }
        }
        // A flag for a setting this experiment does not use (a user-file option with a registered dataset, a LoRA
        // setting under IA3) changes nothing: said once on stderr rather than ignored in silence.
        for (key, _) in flags {
            guard case .experiment(let row)? = try? ExperimentFields.resolve(key), !row.applies(c) else { continue }
            let what = row.section == .userData ? "a user's data file, not the registered dataset \(c.dataset)"
                                                : "other tunings than \(c.tuning.kind.rawValue)"
            FileHandle.standardError.write(Data("deni: --\(key) (\(row.field.label)) applies to \(what); it changes nothing here\n".utf8))
        }
        for a in assignments {
            guard let eq = a.firstIndex(of: "=") else { throw ValidationError("--set \(a): expected KEY=VALUE") }
            let key = String(a[..<eq]), value = String(a[a.index(after: eq)...])
            do { try ExperimentFields.set(&c, key, value) } catch { throw ValidationError("--set \(a): \(error.message)") }
        }
        if config == nil && !settingFlags.contains("--name") && !assignments.contains(where: { $0.hasPrefix("name=") }) {
            let dataName = DatasetRegistry.info(c.dataset) != nil ? c.dataset : URL(fileURLWithPath: c.dataset).deletingPathExtension().lastPathComponent
            c.name = "\(dataName)-\(c.tuning.kind.rawValue)"
        }
        do { try c.validate() } catch {
            // Name the file a config's values came from (and the flags, when they changed some).
            guard let path = config else { throw ValidationError("\(error)") }
            let changed = !settingFlags.isEmpty || !assignments.isEmpty || !strategies.isEmpty
            throw ValidationError("--config \(path)\(changed ? " with the flags given" : ""): \(error)")
        }
        return c
    }

    /// The setting flags as (flag, value) pairs in the order given. A switch (an on/off setting) may stand alone.
    func parsedFlags() throws -> [(String, String)] {
        let known = Self.flagFields
        var out: [(String, String)] = [], i = 0
        while i < settingFlags.count {
            let token = settingFlags[i]
            guard token.hasPrefix("--"), token.count > 2 else { throw ValidationError("unexpected argument '\(token)'") }
            var flag = String(token.dropFirst(2)), value: String? = nil
            if let eq = flag.firstIndex(of: "=") { value = String(flag[flag.index(after: eq)...]); flag = String(flag[..<eq]) }
            guard let field = known[flag] else {
                let near = StrictDecoding.nearest(flag, in: Array(known.keys) + ["config", "strategy", "set", "model", "data"])
                throw ValidationError("unknown option '--\(flag)'" + (near.map { " (did you mean '--\($0)'?)" } ?? "") + "; `--help` lists every setting")
            }
            if value == nil {
                if i + 1 < settingFlags.count, !settingFlags[i + 1].hasPrefix("--") || Double(settingFlags[i + 1]) != nil {
                    value = settingFlags[i + 1]; i += 1
                } else if field.choices == ["on", "off"] {
                    value = "on"
                } else {
                    throw ValidationError("--\(flag) needs a value (\(field.valid))")
                }
            }
            out.append((flag, value!))
            i += 1
        }
        return out
    }

    /// Every flag of the field table: experiment rows and every strategy setting that has one.
    static var flagFields: [String: (choices: [String]?, valid: String)] {
        var out: [String: (choices: [String]?, valid: String)] = [:]
        for r in ExperimentFields.rows { if let f = r.field.flag { out[f] = (r.field.choices, r.field.valid) } }
        for k in StrategyKind.allCases { for f in StrategyConfig(kind: k).fields { if let flag = f.flag { out[flag] = (f.choices, f.valid) } } }
        return out
    }

    /// The model folder: --model, else the config's modelPath, else the one setup installed.
    func modelURL(_ config: ExperimentConfig? = nil) -> URL { ProjectPaths.model(model ?? config?.modelPath) }
    var dataURL: URL { ProjectPaths.data(data) }

    /// Fails with the how-to when the model folder is missing.
    func requireModel(_ config: ExperimentConfig? = nil) throws {
        let folder = modelURL(config)
        if !FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) {
            throw ValidationError("no model at \(folder.path): \(ProjectPaths.modelHowTo)")
        }
    }
}

extension AdapterSpec.Kind: ExpressibleByArgument {}
extension Pooling: ExpressibleByArgument {}
