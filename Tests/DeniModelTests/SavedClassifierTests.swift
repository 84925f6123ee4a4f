import XCTest
import DeniCore
@testable import DeniModel

/// What saved classifiers record for `deni predict`: both formats round-trip the record; files saved before the
/// class names and max length were recorded read with notes; what cannot be rebuilt is refused naming the field.
final class SavedClassifierTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("deni-saved-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(at: dir!) }
    }

    static let config = BertConfig(vocabSize: 20, hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 16, maxPositions: 8)

    func testPEFTFolderRecordsTuningClassesAndMaxLength() throws {
        var a = AdapterSpec(kind: .lora); a.loraRank = 2; a.loraAlpha = 4; a.loraTargets = ["key", "value"]; a.loraBias = .none
        let spec = ModelSpec(config: Self.config, adapter: a, numLabels: 2, pooling: .mean)
        let w = try ModelWeights.random(spec: spec, stream: RandomStream(seed: 1, factor: .initialization))
        try w.exportPEFT(to: dir, baseModelPath: "m", classNames: ["no", "yes"], maxLength: 7)
        let record = try SavedClassifier.read(peftFolder: dir)
        XCTAssertEqual(record, SavedClassifier(adapter: a, pooling: .mean, classNames: ["no", "yes"], maxLength: 7))
        XCTAssertEqual(record.spec(config: Self.config).numLabels, 2)
        XCTAssertEqual(record.notes, [])
    }

    /// A `--save` file of the time before predict: only adapter, pooling and num_labels (unprefixed keys).
    func testOldFullFineTuningFileReadsWithNotes() throws {
        let record = try SavedClassifier(metadata: ["format": "pt", "adapter": "full", "pooling": "cls", "num_labels": "3"], file: "old.safetensors")
        XCTAssertEqual(record.adapter, AdapterSpec(kind: .full))
        XCTAssertEqual(record.pooling, .cls)
        XCTAssertEqual(record.classNames, ["0", "1", "2"])
        XCTAssertNil(record.maxLength)
        XCTAssertEqual(record.notes.count, 1)
        XCTAssertTrue(record.notes[0].contains("old.safetensors: no class names recorded"), record.notes[0])
    }

    func testWhatCannotBeRebuiltIsRefusedNamingTheField() throws {
        func refused(_ metadata: [String: String], _ fragment: String, line: UInt = #line) {
            XCTAssertThrowsError(try SavedClassifier(metadata: metadata, file: "f.safetensors"), line: line) {
                XCTAssertTrue("\($0)".hasPrefix("f.safetensors: "), "\($0)", line: line)
                XCTAssertTrue("\($0)".contains(fragment), "\($0) should mention \(fragment)", line: line)
            }
        }
        refused(["format": "pt"], "no deni.pooling")
        refused(["adapter": "lora", "pooling": "pooler", "num_labels": "2"], "records the adapter 'lora' but not its settings (deni.tuning")
        refused(["deni.tuning": "{\"kind\":\"lora\"}", "deni.pooling": "max", "deni.num_labels": "2"], "deni.pooling is 'max'")
        refused(["deni.tuning": "{\"kind\":\"lora\"}", "deni.pooling": "cls", "deni.num_labels": "3", "deni.classes": "[\"a\",\"b\"]"],
                "deni.num_labels is 3 but deni.classes names 2 classes")
        refused(["deni.tuning": "{\"kind\":\"lora\"}", "deni.pooling": "cls", "deni.classes": "[\"a\",\"b\"]", "deni.max_length": "x"],
                "deni.max_length is 'x'")
        XCTAssertThrowsError(try SavedClassifier.read(peftFolder: dir.appendingPathComponent("nope"))) {
            XCTAssertTrue("\($0)".contains("nope: no such folder"), "\($0)")
        }
    }

    /// A checkpoint of another shape is refused before any value is written.
    func testCheckpointOfAnotherShapeIsRefusedLeavingTheWeights() throws {
        let three = try ModelWeights.random(spec: ModelSpec(config: Self.config, numLabels: 3), stream: RandomStream(seed: 1, factor: .initialization))
        let url = dir.appendingPathComponent("three.safetensors")
        try three.save(to: url, classNames: ["a", "b", "c"], maxLength: 8)
        let two = try ModelWeights.random(spec: ModelSpec(config: Self.config, numLabels: 2), stream: RandomStream(seed: 2, factor: .initialization))
        let before = two.params.array
        XCTAssertThrowsError(try two.load(checkpoint: url)) {
            XCTAssertTrue("\($0)".contains("three.safetensors: tensor 'classifier.weight' has shape [3, 8], expected [2, 8]"), "\($0)")
        }
        XCTAssertEqual(two.params.array, before)
    }
}
