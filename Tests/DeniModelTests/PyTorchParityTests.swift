import XCTest
import DeniCore
@testable import DeniModel

/// Parity with PyTorch (transformers + peft) on the real all-MiniLM-L6-v2 checkpoint, against the fixtures
/// made by scripts/reference/*.py (see docs/reference.md): eval mode, a fixed padded batch of 3 examples
/// (one a sentence pair) and a fixed 3-class head. Tolerances: hidden states, pooled vectors and logits
/// 1e-4 absolute; loss 1e-5; every gradient tensor's L2 norm and its sampled entries within 1e-3 relative
/// L2 error; analytically zero gradients (attention key biases) below 1e-6.
final class PyTorchParityTests: XCTestCase {
    /// Worst differences seen, printed at the end of the class (figures for the notes).
    nonisolated(unsafe) static var report: [String: Double] = [:]
    override class func tearDown() {
        for (k, v) in report.sorted(by: { $0.key < $1.key }) { print(String(format: "parity %-32@ %.3g", k as NSString, v)) }
    }

    struct Fixture {
        let file: SafeTensorsFile
        let batch: Batch
        init(_ name: String) throws {
            let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures"))
            file = try SafeTensorsFile(url: url)
            let ids = try file.ints("input_ids"), types = try file.ints("token_type_ids"), mask = try file.ints("attention_mask")
            let shape = file.tensors["input_ids"]!.shape
            batch = Batch(ids: ids.map(Int32.init), typeIDs: types.map(Int32.init), mask: mask.map(Float.init),
                          labels: try file.ints("labels"), size: shape[0], length: shape[1])
        }
    }

    static func modelFolder() throws -> URL {
        let url = ProjectPaths.model()
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("model.safetensors").path) else {
            throw XCTSkip("model not installed at \(url.path): \(ProjectPaths.modelHowTo)")
        }
        return url
    }

    static func load(_ fx: Fixture, adapter: AdapterSpec, pooling: Pooling) throws -> (BertModel, ModelWeights) {
        let folder = try modelFolder()
        let spec = ModelSpec(config: try BertConfig.load(folder.appendingPathComponent("config.json")), adapter: adapter,
                             numLabels: 3, pooling: pooling, headDropout: 0.3)
        let w = try ModelWeights.load(folder: folder, spec: spec, initStream: RandomStream(seed: 0, factor: .initialization))
        w.set("classifier.weight", try fx.file.floats("head.weight"))
        w.set("classifier.bias", try fx.file.floats("head.bias"))
        for name in fx.file.tensors.keys where name.hasPrefix("base_model.model.") {
            let plain = String(name.dropFirst("base_model.model.".count))
            XCTAssertNotNil(w.layout.id(plain), "adapter tensor \(plain) missing from our layout")
            if w.layout.id(plain) != nil { w.set(plain, try fx.file.floats(name)) }
        }
        return (BertModel(layout: w.layout), w)
    }

    func assertClose(_ a: UnsafeBufferPointer<Float>, _ b: [Float], _ tol: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        var worst: Float = 0
        for i in 0..<min(a.count, b.count) { worst = max(worst, abs(a[i] - b[i])) }
        XCTAssertLessThanOrEqual(worst, tol, "\(what): max abs difference \(worst)", file: file, line: line)
        Self.report[what] = max(Self.report[what] ?? 0, Double(worst))
    }

    func checkForward(_ fx: Fixture, _ model: BertModel, _ w: ModelWeights, pooling: Pooling, hiddenLayers: Bool) throws -> Workspace {
        let ws = model.makeWorkspace(for: fx.batch)
        var o = BertModel.ForwardOptions()
        let loss = model.forward(w, fx.batch, ws, &o)
        // Hidden states of real tokens (the workspace holds no rows for padding; PyTorch's padded rows are unused).
        func realRows(_ p: UnsafeMutablePointer<Float>, _ reference: [Float]) -> (UnsafeBufferPointer<Float>, [Float]) {
            let rl = ws.rows, T = fx.batch.length, H = 384
            var ours: [Float] = [], theirs: [Float] = []
            for b in 0..<rl.B {
                for t in 0..<rl.lengths[b] {
                    ours += UnsafeBufferPointer(start: p + (rl.start[b] + t) * H, count: H)
                    theirs += reference[((b * T + t) * H)..<((b * T + t + 1) * H)]
                }
            }
            let copy = UnsafeMutableBufferPointer<Float>.allocate(capacity: ours.count)
            _ = copy.initialize(from: ours)
            return (UnsafeBufferPointer(copy), theirs)
        }
        for l in (hiddenLayers ? -1 : 5)..<6 {
            let (ours, theirs) = realRows(l < 0 ? ws.x0.pointer : ws.layers[l].out.pointer, try fx.file.floats("hidden.\(l + 1)"))
            assertClose(ours, theirs, 1e-4, "hidden.\(l + 1)")
            ours.deallocate()
        }
        assertClose(UnsafeBufferPointer(start: ws.pooled.pointer, count: fx.batch.size * 384), try fx.file.floats("pooled.\(pooling)"), 1e-4, "pooled.\(pooling)")
        assertClose(UnsafeBufferPointer(start: ws.logits.pointer, count: fx.batch.size * 3), try fx.file.floats("logits.\(pooling)"), 1e-4, "logits.\(pooling)")
        let refLoss = try fx.file.floats("loss.\(pooling)")[0]
        XCTAssertEqual(loss, refLoss, accuracy: 1e-5, "loss.\(pooling)")
        Self.report["loss"] = max(Self.report["loss"] ?? 0, Double(abs(loss - refLoss)))
        return ws
    }

    func checkGradients(_ fx: Fixture, _ model: BertModel, _ w: ModelWeights, _ ws: Workspace, pooling: Pooling) throws {
        let g = Gradients(layout: w.layout)
        g.zero()
        model.backward(w, g, fx.batch, ws)
        let zeroGrads = Set((try? JSONSerialization.jsonObject(with: Data((fx.file.metadata["analytically_zero_grads"] ?? "[]").utf8))) as? [String] ?? [])
        let noGrad = Set((try? JSONSerialization.jsonObject(with: Data((fx.file.metadata["no_grad.\(pooling)"] ?? "[]").utf8))) as? [String] ?? [])
        var checked = 0
        for key in fx.file.tensors.keys where key.hasPrefix("grad.\(pooling).") && key.hasSuffix(".norm") {
            let fixtureName = String(key.dropFirst("grad.\(pooling).".count).dropLast(".norm".count))
            let name = fixtureName == "head.weight" ? "classifier.weight" : fixtureName == "head.bias" ? "classifier.bias" : fixtureName
            guard let id = w.layout.id(name) else { XCTFail("fixture gradient \(name) has no tensor in our layout"); continue }
            guard let gp = g.pointer(id) else { XCTFail("\(name) has a reference gradient but is frozen here"); continue }
            let t = w.layout.tensors[id]
            var norm = 0.0
            for i in 0..<t.count { norm += Double(gp[i]) * Double(gp[i]) }
            norm = norm.squareRoot()
            let refNorm = Double(try fx.file.floats(key)[0])
            if zeroGrads.contains(name) {
                XCTAssertLessThan(norm, 1e-6, "\(name) should have a zero gradient"); checked += 1; continue
            }
            XCTAssertLessThanOrEqual(abs(norm - refNorm) / refNorm, 1e-3, "\(name): gradient norm \(norm) vs \(refNorm)")
            Self.report["grad norm rel (\(pooling))"] = max(Self.report["grad norm rel (\(pooling))"] ?? 0, abs(norm - refNorm) / refNorm)
            let idx = try fx.file.ints("grad.\(pooling).\(fixtureName).index"), ref = try fx.file.floats("grad.\(pooling).\(fixtureName).value")
            var diff = 0.0, base = 0.0
            for (i, r) in zip(idx, ref) { let d = Double(gp[i]) - Double(r); diff += d * d; base += Double(r) * Double(r) }
            XCTAssertLessThanOrEqual((diff / max(base, 1e-30)).squareRoot(), 1e-3, "\(name): sampled gradient relative L2 error")
            Self.report["grad sample rel L2 (\(pooling))"] = max(Self.report["grad sample rel L2 (\(pooling))"] ?? 0, (diff / max(base, 1e-30)).squareRoot())
            checked += 1
        }
        // Every trainable tensor of ours must have a reference gradient (or be declared gradient-free).
        for t in w.layout.tensors where t.trainable {
            let fixtureName = t.name == "classifier.weight" ? "head.weight" : t.name == "classifier.bias" ? "head.bias" : t.name
            if fx.file.tensors["grad.\(pooling).\(fixtureName).norm"] == nil {
                XCTAssertTrue(noGrad.contains(t.name), "\(t.name) is trainable here but the reference has no gradient for it")
            }
        }
        XCTAssertGreaterThan(checked, 10)
    }

    func testFullFineTuningAllPoolings() throws {
        Threads.set(2)
        let fx = try Fixture("model_parity")
        for pooling in Pooling.allCases {
            let (model, w) = try Self.load(fx, adapter: AdapterSpec(kind: .full), pooling: pooling)
            let ws = try checkForward(fx, model, w, pooling: pooling, hiddenLayers: pooling == .pooler)
            if pooling != .cls { try checkGradients(fx, model, w, ws, pooling: pooling) }
        }
    }

    func testLoRA() throws {
        Threads.set(2)
        let fx = try Fixture("lora_parity")
        var a = AdapterSpec(kind: .lora); a.loraRank = 8; a.loraAlpha = 8
        for pooling in [Pooling.pooler, .mean] {
            let (model, w) = try Self.load(fx, adapter: a, pooling: pooling)
            let ws = try checkForward(fx, model, w, pooling: pooling, hiddenLayers: false)
            try checkGradients(fx, model, w, ws, pooling: pooling)
        }
    }

    func testIA3() throws {
        Threads.set(2)
        let fx = try Fixture("ia3_parity")
        for pooling in [Pooling.pooler, .mean] {
            let (model, w) = try Self.load(fx, adapter: AdapterSpec(kind: .ia3), pooling: pooling)
            let ws = try checkForward(fx, model, w, pooling: pooling, hiddenLayers: false)
            try checkGradients(fx, model, w, ws, pooling: pooling)
        }
    }
}
