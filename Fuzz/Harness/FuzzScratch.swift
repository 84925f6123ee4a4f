import DeniCore
import DeniExperiments
import DeniModel
import Foundation

/// The folder the entries write into (one per process, under /dev/shm when it exists): a copy of the tiny
/// model folder, a session folder, a peft folder exported from the tiny model, and room for data files.
/// Each input rewrites its one file; `resetModel`/`resetSession` put back the companions an earlier input
/// replaced. FuzzMain removes the folder when the process exits.
final class FuzzScratch {
    let folder: URL
    var model: URL { folder.appendingPathComponent("model") }
    private var session: URL { folder.appendingPathComponent("session") }
    private var peft: URL { folder.appendingPathComponent("peft") }
    private let modelFiles: [(String, Data)]
    private let sessionFiles: [(String, Data)]
    /// The tiny model with a LoRA adapter (rank 2 on query and value), into which `importPEFT` loads.
    private let loraWeights: ModelWeights

    init(fixtures: URL) throws {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        folder = URL(fileURLWithPath: base).appendingPathComponent("deni-fuzz-\(getpid())")
        for sub in ["data", "model", "session", "peft"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        func files(_ sub: String, _ names: [String]) throws -> [(String, Data)] {
            try names.map { ($0, try Data(contentsOf: fixtures.appendingPathComponent(sub).appendingPathComponent($0))) }
        }
        modelFiles = try files("model", ["config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors"])
        sessionFiles = try files("session", ["manifest.json", "events.jsonl"])
        var adapter = AdapterSpec(kind: .lora)
        adapter.loraRank = 2
        let config = try BertConfig.load(fixtures.appendingPathComponent("model/config.json"))
        loraWeights = try ModelWeights.load(folder: fixtures.appendingPathComponent("model"),
                                            spec: ModelSpec(config: config, adapter: adapter, numLabels: 2),
                                            initStream: RandomStream(key: 1))
        _ = try loraWeights.exportPEFT(to: peft, baseModelPath: "model", classNames: ["negative", "positive"], maxLength: 16)
        resetModel()
        resetSession()
    }

    @discardableResult
    func write(_ bytes: Data, to relative: String) -> URL {
        let url = folder.appendingPathComponent(relative)
        do { try bytes.write(to: url) } catch { fatalError("deni-fuzz: cannot write \(url.path): \(error)") }
        return url
    }

    func resetModel() { for (name, bytes) in modelFiles { write(bytes, to: "model/" + name) } }
    func resetSession() { for (name, bytes) in sessionFiles { write(bytes, to: "session/" + name) } }

    /// What a run does with the model folder before training: the tokenizer, the config, the weights.
    func loadModel() {
        guard (try? BertTokenizer(modelFolder: model)) != nil,
              let config = try? BertConfig.load(model.appendingPathComponent("config.json")) else { return }
        _ = try? ModelWeights.load(folder: model, spec: ModelSpec(config: config, numLabels: 2), initStream: RandomStream(key: 1))
    }

    /// What `deni show` does with a session folder.
    func showSession() {
        guard let recorded = try? SessionReader.read(session) else { return }
        let results = SessionExport.results(recorded)
        _ = ResultsText.plain(results)
        if let sweep = SweepView(config: recorded.config, table: results) { _ = sweep.cells }
        _ = recorded.diagnostics.messages
    }

    func importPEFT() { try? loraWeights.importPEFT(from: peft, expectedBaseModel: "model") }
}
