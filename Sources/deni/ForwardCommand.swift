import ArgumentParser
import DeniCore
import DeniModel
import Foundation

struct ForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "forward",
        abstract: "Run the pre-trained encoder in eval mode on one text (or pair).",
        discussion: "Prints the token ids, the last layer's [CLS] state, the pooler output and the masked mean of the last layer.")

    @Argument(help: "The text.") var text: String
    @Argument(help: "An optional second text (sentence pair).") var pair: String?
    @Flag(help: "Machine-readable output: {\"ids\", \"cls_hidden\", \"pooled\", \"mean\"}.") var json = false
    @Option(help: "Model folder (default: the one setup installed).") var model: String?
    @Option(name: .customLong("max-length"), help: "Truncate to this many tokens.") var maxLength: Int = 512

    func validate() throws {
        let specials = pair == nil ? 2 : 3
        if maxLength < specials {
            throw ValidationError("--max-length must be at least \(specials) (the [CLS]/[SEP] tokens of \(pair == nil ? "one text" : "a pair")), got \(maxLength)")
        }
    }

    func run() throws {
        let folder = ProjectPaths.model(model)
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) else {
            throw ValidationError("no model at \(folder.path): \(ProjectPaths.modelHowTo)")
        }
        Threads.set(1)
        let tokenizer = try BertTokenizer(modelFolder: folder)
        let config = try BertConfig.load(folder.appendingPathComponent("config.json"))
        let spec = ModelSpec(config: config, numLabels: 2, pooling: .pooler, headDropout: 0)
        let weights = try ModelWeights.load(folder: folder, spec: spec, initStream: Seeds().stream(.initialization))
        let enc = tokenizer.encode(text, pair: pair, maxLength: min(maxLength, config.maxPositions))
        let out = BertModel(layout: weights.layout).inspect(weights, ids: enc.ids, typeIDs: enc.typeIDs)
        if json {
            let obj: [String: Any] = ["ids": enc.ids.map(Int.init), "cls_hidden": out.cls.map(Double.init),
                                      "pooled": out.pooled.map(Double.init), "mean": out.mean.map(Double.init)]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
        } else {
            func head(_ v: [Float]) -> String { v.prefix(6).map { String(format: "%+.4f", $0) }.joined(separator: " ") + " …" }
            print("tokens      \(enc.tokens.joined(separator: " "))")
            print("ids         \(enc.ids.map(String.init).joined(separator: " "))")
            print("cls_hidden  \(head(out.cls))")
            print("pooled      \(head(out.pooled))")
            print("mean        \(head(out.mean))")
        }
    }
}
