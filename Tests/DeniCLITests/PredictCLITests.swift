import XCTest
import DeniCore
import DeniModel

/// `deni predict` end to end on the real model: a tiny LoRA run (mean pooling, max length 8, so a prediction that
/// ignored the recorded pooling or truncation would differ) saves a peft folder, a weights file and its test
/// predictions; predicting the run's own test texts gives its predictions back, and bad input gets one error line
/// naming the file and the problem.
final class PredictCLITests: XCTestCase {
    var tmp: URL!

    override func setUpWithError() throws {
        guard FileManager.default.fileExists(atPath: ProjectPaths.model().appendingPathComponent("model.safetensors").path) else {
            throw XCTSkip("model not installed: \(ProjectPaths.modelHowTo)")
        }
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("deni-predict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        addTeardownBlock { [tmp] in try? FileManager.default.removeItem(at: tmp!) }
    }

    /// 3 classes with distinct vocabularies, 30 rows each; texts of 8–9 words, longer than the max length of 8 tokens.
    func writeDataset() throws -> URL { try writeTopicsDataset(in: tmp, rows: 90, words: 7, seed: 3) }

    /// Trains once (LoRA rank 4, 1 epoch, 30 samples) and returns the peft folder, the weights file and the
    /// run's test predictions as (text, predicted label) rows.
    func trainTinyAdapter() throws -> (peft: URL, weights: URL, test: [(text: String, predicted: String)]) {
        let peft = tmp.appendingPathComponent("adapter"), weights = tmp.appendingPathComponent("model.safetensors")
        let predictions = tmp.appendingPathComponent("test-predictions.csv")
        let out = try runDeni(["train", "--dataset", try writeDataset().path, "--tuning", "lora", "--lora-rank", "4", "--samples", "30",
                               "--epochs", "1", "--batch-size", "8", "--lr", "0.005", "--max-length", "8", "--pooling", "mean",
                               "--eval-subsample", "6", "--seed", "2", "--json",
                               "--save-peft", peft.path, "--save", weights.path, "--predictions", predictions.path], timeout: 600)
        XCTAssertEqual(out.status, 0, out.stderr)
        let rows = try String(contentsOf: predictions, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        XCTAssertEqual(rows.first, ["text", "label", "predicted"])
        return (peft, weights, rows.dropFirst().map { ($0[0], $0[2]) })
    }

    func predictJSON(_ args: [String]) throws -> (labels: [String], probabilities: [[Double]], classes: [String]) {
        let out = try runDeni(["predict", "--json"] + args, timeout: 120)
        XCTAssertEqual(out.status, 0, out.stderr)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], out.stdout)
        let predictions = try XCTUnwrap(obj["predictions"] as? [[String: Any]])
        return (predictions.compactMap { $0["label"] as? String }, predictions.compactMap { $0["probabilities"] as? [Double] },
                try XCTUnwrap(obj["classes"] as? [String]))
    }

    func testPredictGivesTheRunsOwnTestPredictionsBack() throws {
        let run = try trainTinyAdapter()
        XCTAssertEqual(run.test.count, 18)
        let texts = tmp.appendingPathComponent("texts.txt")
        try run.test.map(\.text).joined(separator: "\n").write(to: texts, atomically: true, encoding: .utf8)

        let fromPEFT = try predictJSON(["--peft", run.peft.path, "--file", texts.path])
        XCTAssertEqual(fromPEFT.classes, ["food", "law", "sport"])
        XCTAssertEqual(fromPEFT.labels, run.test.map(\.predicted))
        // The same run's weights file predicts the same, and CSV carries the same labels.
        XCTAssertEqual(try predictJSON(["--weights", run.weights.path, "--file", texts.path]).labels, fromPEFT.labels)
        let csv = try runDeni(["predict", "--csv", "--peft", run.peft.path, "--file", texts.path], timeout: 120)
        XCTAssertEqual(csv.status, 0, csv.stderr)
        let rows = csv.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        XCTAssertEqual(rows.first, ["text", "predicted", "p(food)", "p(law)", "p(sport)"])
        XCTAssertEqual(rows.dropFirst().map { $0[1] }, fromPEFT.labels)

        // Not only the labels: the probabilities are the softmax of the logits the run wrote for its first test
        // examples (deni_check_logits.json), in other batches (1e-5: another batch composition).
        let check = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: run.peft.appendingPathComponent("deni_check_logits.json"))) as? [String: Any])
        let logits = try XCTUnwrap((check["examples"] as? [[String: Any]])?.compactMap { $0["logits"] as? [Double] })
        XCTAssertEqual(logits.count, 8)
        for (i, l) in logits.enumerated() {
            let e = l.map { exp($0 - l.max()!) }, sum = e.reduce(0, +)
            for c in 0..<3 { XCTAssertEqual(fromPEFT.probabilities[i][c], e[c] / sum, accuracy: 1e-5, "text \(i) class \(c)") }
        }
        // Texts as arguments, one per line of text output: label, probability, text.
        let plain = try runDeni(["predict", "--peft", run.peft.path, run.test[0].text, run.test[1].text], timeout: 120)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let lines = plain.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[1].hasPrefix(fromPEFT.labels[1]) && lines[1].hasSuffix(run.test[1].text), String(lines[1]))
    }

    /// Bad input: one error line (no usage) naming the file and the problem, exit status not 0.
    func assertOneErrorLine(_ args: [String], _ fragments: [String], line: UInt = #line) throws {
        let out = try runDeni(["predict"] + args, timeout: 120)
        XCTAssertNotEqual(out.status, 0, line: line)
        let lines = out.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, out.stderr, line: line)
        for f in fragments { XCTAssertTrue(out.stderr.contains(f), "\(out.stderr) should mention \(f)", line: line) }
    }

    func testBadInputIsRefusedNamingTheFileAndTheProblem() throws {
        let run = try trainTinyAdapter()
        let texts = tmp.appendingPathComponent("texts.txt")
        try "a first text\n\na third text\n".write(to: texts, atomically: true, encoding: .utf8)
        try assertOneErrorLine(["--peft", run.peft.path, "--file", texts.path], ["texts.txt:2:", "empty text"])
        try assertOneErrorLine(["--peft", run.peft.path, "--file", tmp.appendingPathComponent("nothing.txt").path], ["nothing.txt", "file not found"])
        try assertOneErrorLine(["--peft", run.peft.path, "good", " "], ["text argument 2", "empty text"])
        try assertOneErrorLine(["--peft", tmp.appendingPathComponent("no-adapter").path, "x"], ["no-adapter", "no such folder"])

        // A weights file for another shape: the classifier of 2 classes where the metadata says 3.
        let file = try SafeTensorsFile(url: run.weights)
        var writer = SafeTensorsWriter()
        for name in file.tensors.keys.sorted() {
            let values = try file.floats(name)
            switch name {
            case "classifier.weight": writer.add(name, shape: [2, 384], Array(values.prefix(768)))
            case "classifier.bias": writer.add(name, shape: [2], Array(values.prefix(2)))
            default: writer.add(name, shape: file.tensors[name]!.shape, values)
            }
        }
        writer.metadata = file.metadata
        let other = tmp.appendingPathComponent("other.safetensors")
        try writer.write(to: other)
        try assertOneErrorLine(["--weights", other.path, "x"], ["other.safetensors", "'classifier.weight' has shape [2, 384], expected [3, 384]"])
        // The same file with one non-finite value, and with its recorded tuning changed from LoRA to full fine-tuning
        // (whose layout has no place for the LoRA tensors): refused, not NaN probabilities or a model without its adapter.
        func rewrite(_ name: String, metadata: [String: String], _ change: (String, inout [Float]) -> Void) throws -> URL {
            var w = SafeTensorsWriter()
            for tensor in file.tensors.keys.sorted() {
                var values = try file.floats(tensor)
                change(tensor, &values)
                w.add(tensor, shape: file.tensors[tensor]!.shape, values)
            }
            w.metadata = metadata
            let url = tmp.appendingPathComponent(name)
            try w.write(to: url)
            return url
        }
        let nan = try rewrite("nan.safetensors", metadata: file.metadata) { name, values in if name == "classifier.bias" { values[1] = .nan } }
        try assertOneErrorLine(["--weights", nan.path, "x"], ["nan.safetensors", "'classifier.bias' holds a non-finite value at element 1"])
        var fullMetadata = file.metadata
        fullMetadata["deni.tuning"] = fullMetadata["deni.tuning"]?.replacingOccurrences(of: "\"lora\"", with: "\"full\"")
        XCTAssertNotEqual(fullMetadata, file.metadata, "the recorded tuning names its kind as \"lora\"")
        let relabelled = try rewrite("relabelled.safetensors", metadata: fullMetadata) { _, _ in }
        try assertOneErrorLine(["--weights", relabelled.path, "x"], ["relabelled.safetensors", "has no place for"])
        // The base model's own weights are no classifier: no record.
        try assertOneErrorLine(["--weights", ProjectPaths.model().appendingPathComponent("model.safetensors").path, "x"],
                               ["model.safetensors", "no deni.pooling"])

        // A peft folder whose adapter_config.json says another rank than the run recorded.
        let config = run.peft.appendingPathComponent("adapter_config.json")
        var c = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: config)) as? [String: Any])
        c["r"] = 8
        try JSONSerialization.data(withJSONObject: c).write(to: config)
        try assertOneErrorLine(["--peft", run.peft.path, "x"], ["adapter_config.json", "rank r is 8"])
    }
}
