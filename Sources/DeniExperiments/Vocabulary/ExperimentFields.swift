import DeniCore
import DeniData
import DeniModel
import DeniTraining
import Foundation

/// Every setting of an experiment a user can change, defined once: the Setup form's rows, the command line's
/// flags (`deni run --epochs 5`, `--set KEY=VALUE`), sweeps' `--vary KEY=…`, variant labels and config validation
/// all read this table. Experiment-level rows are here; each strategy's rows come from its settings
/// (`StrategyConfig.fields`) and are addressed as `<kind>.<key>` (`deni.noiseVariance`), or by the bare key for
/// "every strategy that has it" (`--noise-variance` sets DENI's and the noise baselines').
public enum ExperimentFields {
    public enum Section: String, CaseIterable, Sendable {
        case dataAndModel = "Data and model", tuning = "Tuning", protocolSettings = "Protocol", userData = "Your data file"
    }

    public struct Row: @unchecked Sendable {
        public let section: Section
        public let field: SettingField<ExperimentConfig>
        /// Shown only when this holds (an adapter's rows when the tuning kind reads them, file rows for a user file…).
        public let applies: (ExperimentConfig) -> Bool
    }

    public static let rows: [Row] = dataAndModel + tuning + protocolRows + userData

    static func row(_ section: Section, _ f: SettingField<ExperimentConfig>, applies: @escaping (ExperimentConfig) -> Bool = { _ in true }) -> Row {
        Row(section: section, field: f, applies: applies)
    }

    static let dataAndModel: [Row] = [
        row(.dataAndModel, SettingField("name", label: "Experiment name", help: "names the session and its presets",
                                        valid: "1-64 of A-Z a-z 0-9 . _ -", flag: "name",
                                        read: { $0.name }, write: { (c: inout ExperimentConfig, t: String) throws(FieldError) in c.name = t },
                                        check: { c in
                                            let ok = !c.name.isEmpty && c.name.count <= 64
                                                && c.name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
                                            return ok ? nil : "Experiment name '\(FieldText.shortText(c.name))' is not 1-64 letters, digits, '.', '_' or '-'"
                                        })),
        row(.dataAndModel, SettingField("dataset", label: "Dataset", help: "a registered key (\(DatasetRegistry.all.map(\.key).joined(separator: ", "))) or a CSV/TSV/JSONL file",
                                        valid: "a dataset key or a file path", flag: "dataset",
                                        read: { $0.dataset }, write: { (c: inout ExperimentConfig, t: String) throws(FieldError) in c.dataset = t },
                                        check: { $0.dataset.isEmpty ? "no dataset" : nil })),
        row(.dataAndModel, SettingField("modelPath", label: "Model folder", help: "Hugging Face BERT folder: config.json, vocab.txt, model.safetensors (empty: the one setup installed)",
                                        valid: "a folder or empty",
                                        read: { $0.modelPath ?? "" },
                                        write: { (c: inout ExperimentConfig, t: String) throws(FieldError) in c.modelPath = t.isEmpty ? nil : t })),
    ]

    /// Shown when the tuning kind's adapter reads `setting`.
    static func adapterUses(_ setting: PartialKeyPath<AdapterSpec>) -> (ExperimentConfig) -> Bool { { $0.tuning.uses(setting) } }

    static let tuning: [Row] = [
        row(.tuning, SettingField("tuning.kind", label: "Tuning", short: "tuning", help: "full fine-tuning or a PEFT method",
                                  valid: AdapterSpec.Kind.allCases.map(\.rawValue).joined(separator: ", "),
                                  choices: AdapterSpec.Kind.allCases.map(\.rawValue), flag: "tuning",
                                  read: { $0.tuning.kind.rawValue },
                                  write: { (c: inout ExperimentConfig, t: String) throws(FieldError) in c.tuning.kind = try FieldText.choice(t, AdapterSpec.Kind.self) })),
        row(.tuning, .int("tuning.loraRank", label: "LoRA rank", short: "r", help: "rank r of the low-rank update (at most the hidden size)",
                          flag: "lora-rank", 1...4096, \.tuning.loraRank), applies: adapterUses(\.loraRank)),
        row(.tuning, SettingField("tuning.loraAlpha", label: "LoRA alpha", short: "α", help: "update scaled by alpha / √r (rank-stabilised)",
                                  valid: "> 0", flag: "lora-alpha", read: { FieldText.format($0.tuning.loraAlpha) },
                                  write: { (c: inout ExperimentConfig, t: String) throws(FieldError) in c.tuning.loraAlpha = try FieldText.float(t) },
                                  check: { $0.tuning.loraAlpha > 0 ? nil : "LoRA alpha \(FieldText.format($0.tuning.loraAlpha)) is not above 0" }),
            applies: adapterUses(\.loraAlpha)),
        row(.tuning, SettingField("tuning.loraDropout", label: "LoRA dropout", short: "LoRA p", help: "dropout on the LoRA input",
                                  valid: "0 ≤ p < 1", flag: "lora-dropout", read: { FieldText.format($0.tuning.loraDropout) },
                                  write: { (c: inout ExperimentConfig, t: String) throws(FieldError) in c.tuning.loraDropout = try FieldText.float(t) },
                                  check: { (0..<1).contains($0.tuning.loraDropout) ? nil : "LoRA dropout \(FieldText.format($0.tuning.loraDropout)) is outside 0 ≤ p < 1" }),
            applies: adapterUses(\.loraDropout)),
        row(.tuning, SettingField("tuning.loraTargets", label: "LoRA targets", short: "targets", help: "comma-separated module names",
                                  valid: AdapterSpec.linearModules.joined(separator: ","), flag: "lora-targets",
                                  read: { $0.tuning.loraTargets.joined(separator: ",") },
                                  write: { (c: inout ExperimentConfig, t: String) throws(FieldError) in
                                      c.tuning.loraTargets = t.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                                  },
                                  check: { c in
                                      if c.tuning.loraTargets.isEmpty { return "no LoRA target module" }
                                      let bad = c.tuning.loraTargets.filter { t in !AdapterSpec.linearModules.contains { $0.hasSuffix(t) } }
                                      return bad.isEmpty ? nil : "unknown LoRA target \(bad.map { "'\($0)'" }.joined(separator: ", "))"
                                  }), applies: adapterUses(\.loraTargets)),
        row(.tuning, .choice("tuning.loraBias", label: "Trainable biases", short: "bias", help: "which biases train with LoRA (peft's bias=)",
                             \.tuning.loraBias), applies: adapterUses(\.loraBias)),
        row(.tuning, .int("tuning.prefixLength", label: "Prefix length", short: "prefix", help: "UniPELT's virtual tokens per layer", 1...512,
                          \.tuning.prefixLength), applies: adapterUses(\.prefixLength)),
        row(.tuning, .int("tuning.prefixHiddenSize", label: "Prefix MLP width", short: "prefix MLP", help: "UniPELT's prefix reparametrisation width",
                          1...8192, \.tuning.prefixHiddenSize), applies: adapterUses(\.prefixHiddenSize)),
        row(.tuning, .int("tuning.reductionFactor", label: "Reduction factor", short: "reduction", help: "UniPELT's bottleneck width = hidden / factor",
                          1...4096, \.tuning.reductionFactor), applies: adapterUses(\.reductionFactor)),
        row(.tuning, SettingField("tuning.poolerTrainable", label: "Pooler trainable", short: "pooler", help: "auto: trained under full fine-tuning, frozen under PEFT",
                                  valid: "auto, on, off", choices: ["auto", "on", "off"], flag: "pooler-trainable",
                                  read: { $0.tuning.poolerTrainable.map(FieldText.format) ?? "auto" },
                                  write: { (c: inout ExperimentConfig, t: String) throws(FieldError) in
                                      c.tuning.poolerTrainable = t.isEmpty || t.lowercased() == "auto" ? nil : try FieldText.bool(t)
                                  })),
    ]

    static let protocolRows: [Row] = [
        row(.protocolSettings, .int("runs", label: "Runs", help: "repetitions with varied seeds (run i of every strategy shares its seeds)",
                                    flag: "runs", 1...10_000, \.runs)),
        row(.protocolSettings, .int("firstRun", label: "First run", short: "first run",
                                    help: "index of the first run: a recorded experiment of R runs is extended by one with first run R (same seeds per index)",
                                    flag: "first-run", 0...1_000_000, \.firstRun)),
        row(.protocolSettings, .int("trainSamples", label: "Training samples", short: "N", help: "labelled examples drawn for training (ceil(N/C) per class, capped)",
                                    flag: "samples", 1...10_000_000, \.trainSamples)),
        row(.protocolSettings, .int("epochs", label: "Epochs", help: "passes over the training samples", flag: "epochs", 1...1000, \.epochs)),
        row(.protocolSettings, .int("batchSize", label: "Batch size", short: "batch", help: "examples per optimiser step", flag: "batch-size", 1...4096, \.batchSize)),
        row(.protocolSettings, SettingField("learningRate", label: "Learning rate", short: "lr", help: "empty: the paper's rate for the tuning kind",
                                            valid: "0 < lr < 1 or empty", flag: "lr",
                                            read: { $0.learningRate.map(FieldText.format) ?? "" },
                                            write: { (c: inout ExperimentConfig, t: String) throws(FieldError) in c.learningRate = t.isEmpty ? nil : try FieldText.double(t) },
                                            check: { c in c.learningRate.map { $0 > 0 && $0 < 1 ? nil : "Learning rate \(FieldText.format($0)) is outside 0 < lr < 1" } ?? nil })),
        row(.protocolSettings, SettingField("maxLength", label: "Max length", short: "length", help: "tokens per example (empty: the dataset's paper length)",
                                            valid: "3...512 or empty", flag: "max-length",
                                            read: { $0.maxLength.map { "\($0)" } ?? "" },
                                            write: { (c: inout ExperimentConfig, t: String) throws(FieldError) in c.maxLength = t.isEmpty ? nil : try FieldText.int(t) },
                                            check: { c in c.maxLength.map { (3...512).contains($0) ? nil : "Max length \($0) is outside 3...512" } ?? nil })),
        row(.protocolSettings, .choice("pooling", label: "Pooling", help: "what the head reads: the pooler, the [CLS] state or the masked mean", flag: "pooling", \.pooling)),
        row(.protocolSettings, .double("headDropout", label: "Head dropout", short: "head p", help: "dropout before the classifier head", flag: "head-dropout",
                                       valid: "0 ≤ p < 1", { (0..<1).contains($0) }, \.headDropout)),
        row(.protocolSettings, SettingField("seed", label: "Base seed", help: "base of every run's seeds (all six factors)", valid: "0...2^64-1", flag: "seed",
                                            read: { c in
                                                let s = c.baseSeeds
                                                return Set([s.split, s.sample, s.initialization, s.order, s.dropout, s.noise]).count == 1 ? "\(s.initialization)" : "per factor"
                                            },
                                            write: { (c: inout ExperimentConfig, t: String) throws(FieldError) in
                                                guard let v = UInt64(t) else { throw FieldError("'\(FieldText.shortText(t))' is not a seed (0...2^64-1)") }
                                                c.baseSeeds = Seeds(all: v)
                                            })),
        row(.protocolSettings, .int("evalSubsample", label: "Eval subsample", short: "eval n", help: "test examples evaluated during training (0: none)",
                                    flag: "eval-subsample", 0...1_000_000, \.evalSubsample)),
        row(.protocolSettings, .int("evalEvery", label: "Eval every", short: "eval every", help: "steps between live evaluations (0: once per epoch)",
                                    flag: "eval-every", 0...10_000_000, \.evalEvery)),
        row(.protocolSettings, .int("threads", label: "Threads", help: "threads each run uses (fixed when the experiment is created)", flag: "threads",
                                    1...64, \.threads)),
        row(.protocolSettings, SettingField("precision", label: "Precision", help: "fp32, or bf16 products with float32 accumulation (CPUs with AVX512_BF16 or AMX)",
                                            valid: Precision.allCases.map(\.rawValue).joined(separator: ", "),
                                            choices: Precision.allCases.map(\.rawValue), flag: "precision",
                                            read: { $0.precision.rawValue },
                                            write: { (c: inout ExperimentConfig, t: String) throws(FieldError) in c.precision = try FieldText.choice(t, Precision.self) },
                                            check: { $0.precision.unsupportedReason() })),
    ]

    static func isFile(_ c: ExperimentConfig) -> Bool { DatasetRegistry.info(c.dataset) == nil }

    static func column(_ key: String, _ label: String, _ flag: String, _ path: WritableKeyPath<ColumnMapping, ColumnRef?>) -> Row {
        row(.userData, SettingField("data.columns.\(key)", label: label, help: "name or 0-based index (empty: found automatically)", valid: "a column or empty",
                                    flag: flag,
                                    read: { c in
                                        switch c.data.columns[keyPath: path] {
                                        case .index(let i)?: "\(i)"
                                        case .name(let n)?: n
                                        case nil: ""
                                        }
                                    },
                                    write: { (c: inout ExperimentConfig, t: String) throws(FieldError) in
                                        c.data.columns[keyPath: path] = t.isEmpty ? nil : ColumnRef(argument: t)
                                    },
                                    check: { c in
                                        switch c.data.columns[keyPath: path] {
                                        case .index(let i)? where i < 0: "\(label) \(i) is not a column (indices count from 0)"
                                        case .name(let n)? where n.isEmpty: "\(label) is an empty name"
                                        default: nil
                                        }
                                    }), applies: isFile)
    }

    static let userData: [Row] = [
        column("text", "Text column", "text-column", \.text),
        column("pair", "Second text column", "pair-column", \.pair),
        column("label", "Label column", "label-column", \.label),
        row(.userData, .choice("data.encoding", label: "Encoding", help: "how the file's bytes are read", flag: "encoding", \.data.encoding), applies: isFile),
        row(.userData, SettingField("data.testFile", label: "Test file", help: "a separate test file in the same format (the official split is then kept)",
                                    valid: "a file or empty", flag: "test-file", read: { $0.data.testFile ?? "" },
                                    write: { (c: inout ExperimentConfig, t: String) throws(FieldError) in c.data.testFile = t.isEmpty ? nil : t }),
            applies: isFile),
        row(.userData, .bool("data.skipBadRows", label: "Skip bad rows", help: "skip malformed rows (reported) instead of failing", flag: "skip-bad-rows",
                             \.data.skipBadRows)),
    ]

    // MARK: lookup

    /// What a key names: an experiment-level row, or a strategy field (of one kind, or of every strategy that has it).
    public enum Target {
        case experiment(Row)
        case strategy(kind: StrategyKind?, key: String)
    }

    /// Resolves a key: an experiment key or its flag name (`learningRate`, `lr`, `tuning.loraRank`, `lora-rank`),
    /// `<kind>.<key>` for one kind's strategies (`deni.noiseVariance`, `ensemble.ensembleSize`), or a bare
    /// strategy key or flag (`noiseVariance`, `noise-variance`) for every strategy that has it.
    public static func resolve(_ key: String) throws(FieldError) -> Target {
        if let r = rows.first(where: { $0.field.key == key || $0.field.flag == key }) { return .experiment(r) }
        let strategyKeys = Dictionary(StrategyKind.allCases.flatMap { k in StrategyConfig(kind: k).fields.map { ($0.key, $0) } }, uniquingKeysWith: { a, _ in a })
        if let dot = key.firstIndex(of: "."), let kind = StrategyKind(rawValue: String(key[..<dot])) {
            let field = String(key[key.index(after: dot)...])
            let own = StrategyConfig(kind: kind).fields
            guard let f = own.first(where: { $0.key == field || $0.flag == field }) else {
                let near = StrictDecoding.nearest(field, in: own.map(\.key))
                throw FieldError("\(kind.displayName) has no setting '\(field)'" + (near.map { " (did you mean '\(kind.rawValue).\($0)'?)" }
                    ?? " (its settings: \(own.map(\.key).joined(separator: ", ")))"))
            }
            return .strategy(kind: kind, key: f.key)
        }
        if let f = strategyKeys.values.first(where: { $0.key == key || $0.flag == key }) { return .strategy(kind: nil, key: f.key) }
        let every = rows.map(\.field.key) + StrategyKind.allCases.flatMap { k in StrategyConfig(kind: k).fields.map { "\(k.rawValue).\($0.key)" } }
        throw FieldError("no setting '\(key)'" + (StrictDecoding.nearest(key, in: every).map { " (did you mean '\($0)'?)" } ?? ""))
    }

    /// Sets `key` to `text` in `config`: an experiment field, or that field in every strategy it names (at least one
    /// strategy must have it). Parses and range-checks; `config` is unchanged on failure.
    public static func set(_ config: inout ExperimentConfig, _ key: String, _ text: String) throws(FieldError) {
        switch try resolve(key) {
        case .experiment(let r):
            try r.field.set(&config, text)
        case .strategy(let kind, let fieldKey):
            var c = config, touched = 0
            for i in c.strategies.indices where kind == nil || c.strategies[i].kind == kind {
                guard let f = c.strategies[i].fields.first(where: { $0.key == fieldKey }) else { continue }
                do throws(FieldError) { try f.set(&c.strategies[i], text) } catch {
                    throw FieldError("\(c.strategies[i].label): \(error.message)")
                }
                c.strategies[i].name = nil   // the label follows the settings
                touched += 1
            }
            guard touched > 0 else {
                let who = kind.map { "no \($0.displayName) strategy in this experiment" } ?? "no strategy in this experiment has it"
                throw FieldError("\(key): \(who)")
            }
            config = c
        }
    }

    /// The first problem with `config`'s experiment-level fields, or nil.
    static func problem(_ config: ExperimentConfig) -> (Row, String)? {
        for r in rows { if let p = r.field.check(config) { return (r, p) } }
        return nil
    }

    /// The command-line help for every field flag, one line each, for `deni run --help` and `deni train --help`.
    public static var flagHelp: String {
        var lines: [String] = []
        for section in Section.allCases {
            let own = rows.filter { $0.section == section && $0.field.flag != nil }
            guard !own.isEmpty else { continue }
            lines.append("\(section.rawValue):")
            for r in own { lines.append("  --\(r.field.flag!) <\(r.field.valid)>  \(r.field.label): \(r.field.help)") }
        }
        lines.append("Strategy settings (every listed strategy that has the setting; --set KIND.KEY=VALUE for one kind):")
        var seen = Set<String>()
        for k in StrategyKind.allCases {
            for f in StrategyConfig(kind: k).fields where f.flag != nil && seen.insert(f.flag!).inserted {
                lines.append("  --\(f.flag!) <\(f.valid)>  \(f.label): \(f.help)")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension FieldText {
    static func shortText(_ s: String) -> String { s.count > 24 ? String(s.prefix(24)) + "…" : s }
}
