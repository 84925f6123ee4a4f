import DeniCore
import DeniData
import DeniExperiments
import DeniModel
import Foundation

/// One entry per parser a user's file reaches. Each writes the fuzzed bytes where the CLI would find the
/// file (beside fixed, valid companions) and calls the function the CLI calls, followed by what the CLI does
/// next with the result. A thrown error is the expected answer to bad bytes; a crash, a hang or a sanitizer
/// report is a finding.
enum FuzzEntry: String, CaseIterable {
    /// A user's dataset file (`deni run --dataset FILE`): loaded, then split by the protocol.
    case csv, tsv, jsonl
    /// A model folder's `vocab.txt` and `tokenizer_config.json` (the tokenizer, then one encoding).
    case vocab, tokenizerConfig = "tokenizer-config"
    /// A model folder's `config.json` and `model.safetensors` (config, tokenizer and weights, as a run loads them).
    case modelConfig = "model-config", safetensors
    /// `deni run --config FILE`: read and validated.
    case experimentConfig = "experiment-config"
    /// A session's `manifest.json` and `events.jsonl`, read and shown as `deni show` does.
    case manifest, events
    /// `adapter_config.json` of a peft folder given to `--init-peft`.
    case peft

    func run(_ bytes: Data, in scratch: FuzzScratch) {
        switch self {
        case .csv, .tsv, .jsonl:
            let file = scratch.write(bytes, to: "data/user." + rawValue)
            for skipBadRows in [false, true] {
                var options = LoadOptions()
                options.skipBadRows = skipBadRows
                guard let dataset = try? DatasetRegistry.load(file.path, dataDirectory: scratch.folder, options: options) else { continue }
                _ = try? makeProtocolSplit(dataset, seeds: Seeds(all: 1), options: ProtocolOptions(trainSamples: 8, evalSubsample: 4))
            }
        case .vocab, .tokenizerConfig:
            scratch.resetModel()
            scratch.write(bytes, to: "model/" + (self == .vocab ? "vocab.txt" : "tokenizer_config.json"))
            guard let tokenizer = try? BertTokenizer(modelFolder: scratch.model) else { return }
            _ = tokenizer.encode("The movies aren't [MASK] GREAT? Ünïcödé 你好", pair: "what is good", maxLength: 12)
        case .modelConfig, .safetensors:
            scratch.resetModel()
            scratch.write(bytes, to: "model/" + (self == .modelConfig ? "config.json" : "model.safetensors"))
            scratch.loadModel()
        case .experimentConfig:
            let file = scratch.write(bytes, to: "config.json")
            guard let config = try? ExperimentConfig.load(file) else { return }
            try? config.validate()
        case .manifest, .events:
            scratch.resetSession()
            scratch.write(bytes, to: "session/" + (self == .manifest ? "manifest.json" : "events.jsonl"))
            scratch.showSession()
        case .peft:
            scratch.write(bytes, to: "peft/" + PEFTFormat.configFile)
            scratch.importPEFT()
        }
    }
}
