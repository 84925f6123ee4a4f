import XCTest
import DeniCore
@testable import DeniModel

/// Bad model files get errors naming the file and the problem; good ones round-trip.
final class CheckpointTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("deni-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(at: dir!) }
    }

    func header(_ json: String, data: Int) -> Data {
        var d = Data()
        var n = UInt64(json.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { d.append(contentsOf: $0) }
        d.append(Data(json.utf8))
        d.append(Data(count: data))
        return d
    }

    func assertError(_ data: Data, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensorsFile(data: data, path: "x.safetensors"), file: file, line: line) { e in
            XCTAssertTrue("\(e)".contains("x.safetensors"), "\(e)", file: file, line: line)
            XCTAssertTrue("\(e)".contains(fragment), "\(e) should mention \(fragment)", file: file, line: line)
        }
    }

    func testCorruptSafetensorsAreRefusedWithTheProblem() {
        assertError(Data([1, 2, 3]), "truncated")
        var big = Data(count: 16); big[0] = 0xFF; big[1] = 0xFF
        assertError(big, "beyond the end of the file")
        assertError(header("{not json", data: 0), "not valid JSON")
        assertError(header(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}"#, data: 8), "out of range")
        assertError(header(#"{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}"#, data: 8), "unknown dtype 'Q4'")
        assertError(header(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: 8), "do not match shape")
        assertError(header(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: 12), "overlap")
    }

    func testConfigProblemsNameTheFile() throws {
        let url = dir.appendingPathComponent("config.json")
        try #"{"model_type":"gpt2","vocab_size":10}"#.write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try BertConfig.load(url)) { XCTAssertTrue("\($0)".contains("unsupported architecture"), "\($0)") }
        try #"{"vocab_size":10,"hidden_size":10,"num_hidden_layers":1,"num_attention_heads":3,"intermediate_size":4}"#.write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try BertConfig.load(url)) { XCTAssertTrue("\($0)".contains("not divisible"), "\($0)") }
        XCTAssertThrowsError(try BertConfig.load(dir.appendingPathComponent("missing.json"))) { XCTAssertTrue("\($0)".contains("not found"), "\($0)") }
    }

    /// A checkpoint whose tensors disagree with config.json is refused, naming the tensor.
    func testShapeMismatchWithConfigIsRefused() throws {
        let config = BertConfig(vocabSize: 20, hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 16, maxPositions: 8)
        let spec = ModelSpec(config: config, numLabels: 2)
        let w = try ModelWeights.random(spec: spec, stream: RandomStream(seed: 1, factor: .initialization))
        var writer = SafeTensorsWriter()
        for t in w.layout.tensors where !t.isHead {
            let shape = t.name == "encoder.layer.0.intermediate.dense.weight" ? [8, 16] : t.shape
            writer.add(t.name, shape: shape, w.tensor(t.name)!)
        }
        try writer.write(to: dir.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try ModelWeights.load(folder: dir, spec: spec, initStream: RandomStream(seed: 1, factor: .initialization))) {
            XCTAssertTrue("\($0)".contains("encoder.layer.0.intermediate.dense.weight"), "\($0)")
            XCTAssertTrue("\($0)".contains("config.json implies [16, 8]"), "\($0)")
        }
    }

    /// A folder with tiny random pre-trained weights (no head) and `config` written as its config.json with `edits`.
    func tinyFolder(_ edits: [String: Any] = [:]) throws -> BertConfig {
        let config = BertConfig(vocabSize: 20, hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 16, maxPositions: 8)
        let w = try ModelWeights.random(spec: ModelSpec(config: config, numLabels: 2), stream: RandomStream(seed: 1, factor: .initialization))
        var writer = SafeTensorsWriter()
        for t in w.layout.tensors where !t.isHead { writer.add(t.name, shape: t.shape, w.tensor(t.name)!) }
        try writer.write(to: dir.appendingPathComponent("model.safetensors"))
        var json: [String: Any] = ["model_type": "bert", "vocab_size": 20, "hidden_size": 8, "num_hidden_layers": 1,
                                   "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 8]
        json.merge(edits) { _, new in new }
        try JSONSerialization.data(withJSONObject: json).write(to: dir.appendingPathComponent("config.json"))
        return config
    }

    func loadTiny() throws -> ModelWeights {
        let config = try BertConfig.load(dir.appendingPathComponent("config.json"))
        return try ModelWeights.load(folder: dir, spec: ModelSpec(config: config, numLabels: 2), initStream: RandomStream(seed: 1, factor: .initialization))
    }

    /// Sizes in range that disagree with the weights are refused from the header, before any allocation: on today's
    /// main a hidden size of 1,000,000 allocated the 4 TB embedding table first and aborted ("failed to allocate").
    func testConfigSizesAreComparedWithTheWeightsBeforeAllocating() throws {
        _ = try tinyFolder()
        XCTAssertNoThrow(try loadTiny())
        _ = try tinyFolder(["vocab_size": 1_000_000, "hidden_size": 1_000_000])
        XCTAssertThrowsError(try loadTiny()) {
            XCTAssertTrue("\($0)".contains("model.safetensors: tensor 'embeddings.word_embeddings.weight' has shape [20, 8] but config.json implies [1000000, 1000000]"), "\($0)")
        }
        _ = try tinyFolder(["num_hidden_layers": 900_000])
        XCTAssertThrowsError(try loadTiny()) {
            XCTAssertTrue("\($0)".contains("holds 1 layers (encoder.layer.0 … 0), but config.json's num_hidden_layers is 900000"), "\($0)")
        }
    }

    /// layer_norm_eps must be finite and > 0 (also after rounding to Float); sizes are whole numbers, not truncated
    /// (today's main read 8.5 as 8 and accepted an epsilon of 0 or -1).
    func testEpsilonAndFractionalOrMistypedSizesAreRefused() throws {
        for (edit, fragment) in [(["layer_norm_eps": 0], "'layer_norm_eps' is 0"), (["layer_norm_eps": -1], "'layer_norm_eps' is -1"),
                                 (["layer_norm_eps": 1e-60], "'layer_norm_eps' is 1e-60"),
                                 (["hidden_size": 8.5], "'hidden_size' is 8.5 (valid: a whole number in 1…1,000,000)"),
                                 (["num_hidden_layers": "1"], "num_hidden_layers: expected a number"),
                                 (["hidden_dropout_prob": 1.5], "'hidden_dropout_prob' is 1.5 (valid: 0 ≤ p < 1)")] as [([String: Any], String)] {
            _ = try tinyFolder(edit)
            XCTAssertThrowsError(try BertConfig.load(dir.appendingPathComponent("config.json")), "\(edit)") {
                XCTAssertTrue("\($0)".contains("config.json: "), "\($0)")
                XCTAssertTrue("\($0)".contains(fragment), "\($0) should contain \(fragment)")
            }
        }
    }

    /// A shape whose byte count overflows is refused (today's main trapped multiplying it by the dtype size), and so
    /// is a fractional dimension (read as 2 before).
    func testOverflowingAndFractionalShapesAreRefused() {
        assertError(header(#"{"a":{"dtype":"F32","shape":[2305843009213693952],"data_offsets":[0,0]}}"#, data: 0), "overflows")
        assertError(header(#"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#, data: 0), "overflows")
        assertError(header(#"{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}"#, data: 8), "shape [2.5] and data_offsets [0, 8] must be whole numbers")
        assertError(header(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,1e300]}}"#, data: 8), "must be whole numbers ≥ 0")
    }

    /// Fine-tuned weights saved with HF names load back identically; the `bert.` prefix is accepted as a base.
    func testSaveLoadRoundTripAndPrefixedBase() throws {
        let config = BertConfig(vocabSize: 20, hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 16, maxPositions: 8)
        var a = AdapterSpec(kind: .lora); a.loraRank = 2
        let spec = ModelSpec(config: config, adapter: a, numLabels: 3)
        let w = try ModelWeights.random(spec: spec, stream: RandomStream(seed: 1, factor: .initialization))
        let url = dir.appendingPathComponent("model.safetensors")
        try w.save(to: url, classNames: ["neg", "neu", "pos"], maxLength: 6)
        XCTAssertEqual(try SavedClassifier.read(weights: url),
                       SavedClassifier(adapter: a, pooling: .pooler, classNames: ["neg", "neu", "pos"], maxLength: 6))
        let file = try SafeTensorsFile(url: url)
        XCTAssertNotNil(file.tensors["bert.encoder.layer.0.attention.self.query.weight"])
        XCTAssertNotNil(file.tensors["classifier.weight"])
        let back = try ModelWeights.random(spec: spec, stream: RandomStream(seed: 9, factor: .initialization))
        try back.load(checkpoint: url)
        XCTAssertEqual(back.params.array, w.params.array)
        XCTAssertEqual(back.frozen.array, w.frozen.array)
        // The same file works as a pre-trained base (prefixed names); new tensors are drawn afresh.
        let base = try ModelWeights.load(folder: dir, spec: spec, initStream: RandomStream(seed: 2, factor: .initialization))
        XCTAssertEqual(base.tensor("encoder.layer.0.output.dense.weight"), w.tensor("encoder.layer.0.output.dense.weight"))
    }
}
