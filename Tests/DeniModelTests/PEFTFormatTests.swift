import XCTest
import DeniCore
@testable import DeniModel

/// peft adapter folders: the names, shapes and config peft 0.21.2 writes; export → import round trips;
/// every bad folder is refused with the file and the problem, leaving the weights untouched.
final class PEFTFormatTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("deni-peft-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(at: dir!) }
    }

    static let tiny = BertConfig(vocabSize: 20, hiddenSize: 8, numLayers: 2, numHeads: 2, intermediateSize: 12, maxPositions: 8)
    static let miniLM = BertConfig(vocabSize: 30522, hiddenSize: 384, numLayers: 6, numHeads: 12, intermediateSize: 1536, maxPositions: 512)

    static func loraSpec(rank: Int = 2, targets: [String] = ["query", "value"], bias: AdapterSpec.Bias = .all,
                         config: BertConfig = tiny, labels: Int = 3, pooling: Pooling = .pooler) -> ModelSpec {
        var a = AdapterSpec(kind: .lora); a.loraRank = rank; a.loraAlpha = Float(rank); a.loraTargets = targets; a.loraBias = bias
        return ModelSpec(config: config, adapter: a, numLabels: labels, pooling: pooling)
    }

    static func ia3Spec(labels: Int = 3) -> ModelSpec { ModelSpec(config: tiny, adapter: AdapterSpec(kind: .ia3), numLabels: labels) }

    /// A random model whose trainable tensors are all random too (not LoRA B = 0 or IA3 = 1).
    func model(_ spec: ModelSpec, seed: UInt64) throws -> ModelWeights {
        let w = try ModelWeights.random(spec: spec, stream: RandomStream(seed: seed, factor: .initialization))
        var r = RandomStream(seed: seed &+ 1000, factor: .noise)
        r.fillNormal(UnsafeMutableBufferPointer(start: w.params.pointer, count: w.params.count), std: 0.5)
        return w
    }

    // MARK: what peft writes

    /// The keys and shapes peft 0.21.2 saved, obtained by running (in /work/ref/venv: torch 2.15, transformers
    /// 5.24.0, peft 0.21.2) `get_peft_model(BertForSequenceClassification.from_pretrained("models/all-MiniLM-L6-v2",
    /// num_labels=3), LoraConfig(task_type="SEQ_CLS", r=8, lora_alpha=8, use_rslora=True, target_modules=["query",
    /// "value"], bias="all")).save_pretrained(d)` and listing adapter_model.safetensors (78 keys). Layers 1–5
    /// repeat layer 0's 12 keys; only layer 0 is written out here.
    static let peftLoRAKeys: [(String, [Int])] = [
        ("bert.embeddings.LayerNorm.bias", [384]),
        ("bert.encoder.layer.N.attention.output.LayerNorm.bias", [384]),
        ("bert.encoder.layer.N.attention.output.dense.bias", [384]),
        ("bert.encoder.layer.N.attention.self.key.bias", [384]),
        ("bert.encoder.layer.N.attention.self.query.base_layer.bias", [384]),
        ("bert.encoder.layer.N.attention.self.query.lora_A.weight", [8, 384]),
        ("bert.encoder.layer.N.attention.self.query.lora_B.weight", [384, 8]),
        ("bert.encoder.layer.N.attention.self.value.base_layer.bias", [384]),
        ("bert.encoder.layer.N.attention.self.value.lora_A.weight", [8, 384]),
        ("bert.encoder.layer.N.attention.self.value.lora_B.weight", [384, 8]),
        ("bert.encoder.layer.N.intermediate.dense.bias", [1536]),
        ("bert.encoder.layer.N.output.LayerNorm.bias", [384]),
        ("bert.encoder.layer.N.output.dense.bias", [384]),
        ("bert.pooler.dense.bias", [384]),
        ("classifier.bias", [3]),
        ("classifier.modules_to_save.bias", [3]),
        ("classifier.original_module.bias", [3]),
        ("classifier.weight", [3, 384]),
    ]
    /// Same procedure with `IA3Config(task_type="SEQ_CLS")` (peft's BERT defaults): 26 keys.
    static let peftIA3Keys: [(String, [Int])] = [
        ("bert.encoder.layer.N.attention.output.dense.ia3_l", [1, 384]),
        ("bert.encoder.layer.N.attention.self.key.ia3_l", [384, 1]),
        ("bert.encoder.layer.N.attention.self.value.ia3_l", [384, 1]),
        ("bert.encoder.layer.N.output.dense.ia3_l", [1, 1536]),
        ("classifier.bias", [3]),
        ("classifier.weight", [3, 384]),
    ]

    static func expand(_ keys: [(String, [Int])], layers: Int) -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for (k, s) in keys {
            if k.contains(".N.") { for l in 0..<layers { out["base_model.model." + k.replacingOccurrences(of: ".N.", with: ".\(l).")] = s } }
            else { out["base_model.model." + k] = s }
        }
        return out
    }

    func testSavedNamesAndShapesAreWhatPeftWrites() throws {
        for (spec, keys, count) in [(Self.loraSpec(rank: 8, config: Self.miniLM), Self.peftLoRAKeys, 78),
                                    (ModelSpec(config: Self.miniLM, adapter: AdapterSpec(kind: .ia3), numLabels: 3), Self.peftIA3Keys, 26)] {
            let entries = try PEFTFormat.entries(try ParameterLayout(spec))
            let ours = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.shape) })
            let peft = Self.expand(keys, layers: 6)
            XCTAssertEqual(peft.count, count)
            XCTAssertEqual(ours.count, entries.count, "duplicate names")
            XCTAssertEqual(Set(ours.keys).subtracting(peft.keys).sorted(), [], "\(spec.adapter.kind): names peft does not write")
            XCTAssertEqual(Set(peft.keys).subtracting(ours.keys).sorted(), [], "\(spec.adapter.kind): names peft writes that we miss")
            for (k, s) in peft { XCTAssertEqual(ours[k], s, k) }
        }
    }

    /// adapter_config.json holds the values peft wrote for the same setting (observed as above).
    func testConfigMatchesPeftsForTheSetting() throws {
        let w = try model(Self.loraSpec(rank: 2), seed: 1)
        try w.exportPEFT(to: dir, baseModelPath: "/models/all-MiniLM-L6-v2")
        let c = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("adapter_config.json"))) as? [String: Any])
        XCTAssertEqual(c["peft_type"] as? String, "LORA")
        XCTAssertEqual(c["task_type"] as? String, "SEQ_CLS")
        XCTAssertEqual(c["r"] as? Int, 2)
        XCTAssertEqual((c["lora_alpha"] as? NSNumber)?.doubleValue, 2)
        XCTAssertEqual(c["use_rslora"] as? Bool, true)
        XCTAssertEqual(c["bias"] as? String, "all")
        XCTAssertEqual(c["target_modules"] as? [String], ["query", "value"])
        XCTAssertEqual(c["modules_to_save"] as? [String], ["classifier", "score"])
        XCTAssertEqual(c["base_model_name_or_path"] as? String, "/models/all-MiniLM-L6-v2")
        let file = try SafeTensorsFile(url: dir.appendingPathComponent("adapter_model.safetensors"))
        XCTAssertEqual(file.metadata["format"], "pt")
        XCTAssertEqual(file.metadata["deni.pooling"], "pooler")
        XCTAssertEqual(file.metadata["deni.num_labels"], "3")
        // peft reads the trained bias from classifier.bias; the copies it also writes are the same and zeros.
        XCTAssertEqual(try file.floats("base_model.model.classifier.modules_to_save.bias"), w.tensor("classifier.bias"))
        XCTAssertEqual(try file.floats("base_model.model.classifier.original_module.bias"), [0, 0, 0])

        let ia3Dir = dir.appendingPathComponent("ia3")
        try model(Self.ia3Spec(), seed: 2).exportPEFT(to: ia3Dir, baseModelPath: "m")
        let ic = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: ia3Dir.appendingPathComponent("adapter_config.json"))) as? [String: Any])
        XCTAssertEqual(ic["peft_type"] as? String, "IA3")
        XCTAssertEqual(ic["target_modules"] as? [String], ["key", "value", "output.dense"])
        XCTAssertEqual(ic["feedforward_modules"] as? [String], ["output.dense"])
    }

    // MARK: round trips

    func testExportImportRoundTripIsExact() throws {
        for (i, spec) in [Self.loraSpec(), Self.loraSpec(targets: ["key", "output.dense"], bias: .none),
                          Self.loraSpec(bias: .loraOnly), Self.ia3Spec()].enumerated() {
            let sub = dir.appendingPathComponent("\(i)")
            let a = try model(spec, seed: 1)
            XCTAssertEqual(try a.exportPEFT(to: sub, baseModelPath: "models/x"), [])
            let b = try model(spec, seed: 2)
            XCTAssertNotEqual(a.params.array, b.params.array)
            try b.importPEFT(from: sub, expectedBaseModel: "/elsewhere/x")
            XCTAssertEqual(a.params.array, b.params.array, "\(spec.adapter.kind) \(spec.adapter.loraBias)")
        }
    }

    /// IA3 vectors are stored with peft's 2-D shapes; the values are the vector in order.
    func testIA3VectorsUsePeftShapes() throws {
        let w = try model(Self.ia3Spec(), seed: 3)
        try w.exportPEFT(to: dir, baseModelPath: "m")
        let file = try SafeTensorsFile(url: dir.appendingPathComponent("adapter_model.safetensors"))
        let p = "base_model.model.bert.encoder.layer.1."
        XCTAssertEqual(file.tensors[p + "attention.self.key.ia3_l"]?.shape, [8, 1])
        XCTAssertEqual(file.tensors[p + "attention.self.value.ia3_l"]?.shape, [8, 1])
        XCTAssertEqual(file.tensors[p + "attention.output.dense.ia3_l"]?.shape, [1, 8])
        XCTAssertEqual(file.tensors[p + "output.dense.ia3_l"]?.shape, [1, 12])
        XCTAssertEqual(try file.floats(p + "output.dense.ia3_l"), w.tensor("encoder.layer.1.output.dense.ia3_l"))
    }

    // MARK: export refusals and warnings

    func testExportRefusesWhatPeftCannotHoldAndWarnsForOtherPooling() throws {
        let full = try model(ModelSpec(config: Self.tiny, numLabels: 2), seed: 1)
        XCTAssertThrowsError(try full.exportPEFT(to: dir, baseModelPath: "m")) { XCTAssertTrue("\($0)".contains("full fine-tuning"), "\($0)") }
        // peft has no UniPELT: refused on export (before training, through checkPEFTExport) and on import.
        var u = AdapterSpec(kind: .unipelt); u.loraRank = 2; u.prefixLength = 2; u.prefixHiddenSize = 4; u.reductionFactor = 2
        let unipelt = try model(ModelSpec(config: Self.tiny, adapter: u, numLabels: 2), seed: 1)
        XCTAssertThrowsError(try unipelt.checkPEFTExport()) { XCTAssertTrue("\($0)".contains("UniPELT has no peft format"), "\($0)") }
        try model(Self.loraSpec(), seed: 1).exportPEFT(to: dir, baseModelPath: "m")
        XCTAssertThrowsError(try unipelt.importPEFT(from: dir)) {
            XCTAssertTrue("\($0)".contains("peft_type is LORA, but this run uses unipelt"), "\($0)")
        }
        var spec = Self.loraSpec(); spec.adapter.poolerTrainable = true
        XCTAssertThrowsError(try model(spec, seed: 1).exportPEFT(to: dir, baseModelPath: "m")) {
            XCTAssertTrue("\($0)".contains("pooler.dense.weight"), "\($0)")
        }
        let warnings = try model(Self.loraSpec(pooling: .mean), seed: 1).exportPEFT(to: dir, baseModelPath: "m")
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("pooling is 'mean'"), warnings.joined())
        XCTAssertEqual(try SafeTensorsFile(url: dir.appendingPathComponent("adapter_model.safetensors")).metadata["deni.pooling"], "mean")
    }

    // MARK: bad folders

    /// Rewrites the exported adapter_model.safetensors through `edit` (name, shape, values → nil drops it).
    func rewriteWeights(_ edit: (String, [Int], [Float]) -> (String, [Int], [Float])?, extra: [(String, [Int], [Float])] = []) throws {
        let url = dir.appendingPathComponent("adapter_model.safetensors")
        let file = try SafeTensorsFile(url: url)
        var w = SafeTensorsWriter()
        for name in file.tensors.keys.sorted() {
            if let (n, s, v) = edit(name, file.tensors[name]!.shape, try file.floats(name)) { w.add(n, shape: s, v) }
        }
        for (n, s, v) in extra { w.add(n, shape: s, v) }
        w.metadata = file.metadata
        try w.write(to: url)
    }

    func rewriteConfig(_ edit: (inout [String: Any]) -> Void) throws {
        let url = dir.appendingPathComponent("adapter_config.json")
        var c = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&c)
        try JSONSerialization.data(withJSONObject: c).write(to: url)
    }

    /// Imports into a fresh model of `spec`, expecting an error that names `file` and mentions `fragment`;
    /// the model's weights must be unchanged.
    func assertRefused(spec: ModelSpec = loraSpec(), base: String? = nil, file: String = "adapter_model.safetensors", _ fragment: String,
                       line: UInt = #line) throws {
        let w = try model(spec, seed: 5)
        let before = w.params.array
        XCTAssertThrowsError(try w.importPEFT(from: dir, expectedBaseModel: base), line: line) { e in
            XCTAssertTrue("\(e)".contains(file), "\(e) should name \(file)", line: line)
            XCTAssertTrue("\(e)".contains(fragment), "\(e) should mention \(fragment)", line: line)
        }
        XCTAssertEqual(w.params.array, before, "a refused import must not change the weights", line: line)
    }

    func exportLoRA() throws { try model(Self.loraSpec(), seed: 1).exportPEFT(to: dir, baseModelPath: "/m/all-MiniLM-L6-v2") }

    func testMissingFolderAndFilesAreRefused() throws {
        let missing = dir.appendingPathComponent("nope")
        XCTAssertThrowsError(try model(Self.loraSpec(), seed: 1).importPEFT(from: missing)) { XCTAssertTrue("\($0)".contains("nope: not a folder"), "\($0)") }
        try assertRefused(file: "adapter_config.json", "file not found")
        try exportLoRA()
        try FileManager.default.removeItem(at: dir.appendingPathComponent("adapter_model.safetensors"))
        try assertRefused("file not found")
        try Data("{".utf8).write(to: dir.appendingPathComponent("adapter_config.json"))
        try assertRefused(file: "adapter_config.json", "not a JSON object")
    }

    func testSettingsThatDoNotMatchTheRunAreRefused() throws {
        try exportLoRA()
        try assertRefused(spec: Self.ia3Spec(), file: "adapter_config.json", "peft_type is LORA, but this run uses ia3")
        try assertRefused(spec: Self.loraSpec(rank: 4), file: "adapter_config.json", "rank r is 2, but this run uses --lora-rank 4")
        try assertRefused(spec: Self.loraSpec(targets: ["query"]), file: "adapter_config.json", "target_modules are [\"query\", \"value\"]")
        try assertRefused(spec: Self.loraSpec(bias: .none), file: "adapter_config.json", "bias is 'all'")
        try assertRefused(base: "/models/bert-base-uncased", file: "adapter_config.json", "base model '/m/all-MiniLM-L6-v2'")
        try rewriteConfig { $0["use_dora"] = true }
        try assertRefused(file: "adapter_config.json", "DoRA")
        try rewriteConfig { $0["use_dora"] = false; $0["task_type"] = "FEATURE_EXTRACTION" }
        try assertRefused(file: "adapter_config.json", "task_type is FEATURE_EXTRACTION")
    }

    /// The pooling a folder was trained with (deni.pooling in its metadata) must be the run's: the classifier
    /// reads that vector. Today's main loaded a mean-pooled adapter into a pooler run without a word.
    func testAnAdapterTrainedWithAnotherPoolingIsRefused() throws {
        try model(Self.loraSpec(pooling: .mean), seed: 1).exportPEFT(to: dir, baseModelPath: "/m/all-MiniLM-L6-v2")
        try assertRefused(spec: Self.loraSpec(pooling: .pooler), "trained with pooling 'mean'")
        XCTAssertNoThrow(try model(Self.loraSpec(pooling: .mean), seed: 2).importPEFT(from: dir))
    }

    func testMissingWrongOrExtraTensorsAreRefused() throws {
        let lora = "base_model.model.bert.encoder.layer.1.attention.self.value.lora_B.weight"
        try exportLoRA()
        try rewriteWeights { $0 == lora ? nil : ($0, $1, $2) }
        try assertRefused("missing tensor '\(lora)'")

        try exportLoRA()
        try rewriteWeights { $0 == lora ? ($0, [2, 8], $2) : ($0, $1, $2) }
        try assertRefused("tensor '\(lora)' has shape [2, 8], expected [8, 2]")

        try exportLoRA()   // an adapter for 3 classes loaded into a 4-class run
        try assertRefused(spec: Self.loraSpec(labels: 4), "classifier.weight' has shape [3, 8], expected [4, 8] (4 classes here)")

        try exportLoRA()   // an adapter for a deeper model
        try rewriteWeights({ ($0, $1, $2) }, extra: [("base_model.model.bert.encoder.layer.2.attention.self.query.lora_A.weight", [2, 8], [Float](repeating: 0, count: 16))])
        try assertRefused("'base_model.model.bert.encoder.layer.2.attention.self.query.lora_A.weight' has no place in this model")

        try exportLoRA()
        try rewriteWeights { $0 == lora ? ($0, $1, [Float.nan] + $2.dropFirst()) : ($0, $1, $2) }
        try assertRefused("non-finite value at element 0")
    }
}

extension ModelWeights {
    /// Exports as a run would, with class names "c0"… and max length 8 (these tests look at the tensors and the config).
    @discardableResult
    func exportPEFT(to dir: URL, baseModelPath: String) throws -> [String] {
        try exportPEFT(to: dir, baseModelPath: baseModelPath, classNames: (0..<layout.spec.numLabels).map { "c\($0)" }, maxLength: 8)
    }
}
