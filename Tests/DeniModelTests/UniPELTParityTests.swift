import XCTest
import DeniCore
@testable import DeniModel

/// Parity of UniPELT with the `adapters` library (1.3.0) on the real all-MiniLM-L6-v2 checkpoint, against
/// unipelt_parity.safetensors (scripts/reference/make_unipelt_fixtures.py, docs/reference.md): eval mode, the
/// shared 3-example batch and head. The fixture's widths (LoRA r 8, prefix MLP 32) are read from its tensor
/// shapes. Tolerances as PyTorchParityTests: hidden states, gates, pooled vectors, logits 1e-4 absolute; loss
/// 1e-5; every trainable tensor's gradient norm and sampled entries within 1e-3 relative L2 error.
final class UniPELTParityTests: XCTestCase {
    static func fixture() throws -> SafeTensorsFile {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "unipelt_parity", withExtension: "safetensors", subdirectory: "Fixtures"))
        return try SafeTensorsFile(url: url)
    }

    static func batch(_ f: SafeTensorsFile) throws -> Batch {
        let ids = try f.ints("input_ids"), types = try f.ints("token_type_ids"), mask = try f.ints("attention_mask")
        let shape = f.tensors["input_ids"]!.shape
        return Batch(ids: ids.map(Int32.init), typeIDs: types.map(Int32.init), mask: mask.map(Float.init),
                     labels: try f.ints("labels"), size: shape[0], length: shape[1])
    }

    /// The real model with the fixture's UniPELT tensors and head.
    static func load(_ f: SafeTensorsFile, pooling: Pooling) throws -> (BertModel, ModelWeights) {
        let folder = ProjectPaths.model()
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) else {
            throw XCTSkip("model not installed at \(folder.path): \(ProjectPaths.modelHowTo)")
        }
        var a = AdapterSpec(kind: .unipelt)
        a.loraRank = try XCTUnwrap(f.tensors[UniPELT.loraPrefix(0, "query") + "lora_A"]).shape[0]
        a.prefixHiddenSize = try XCTUnwrap(f.tensors[UniPELT.sharedPrefix + "control_trans.0.weight"]).shape[0]
        a.prefixLength = try XCTUnwrap(f.tensors[UniPELT.sharedPrefix + "wte.weight"]).shape[0]
        a.reductionFactor = 384 / (try XCTUnwrap(f.tensors[UniPELT.bottleneckPrefix(0) + "adapter_down.0.weight"]).shape[0])
        let spec = ModelSpec(config: try BertConfig.load(folder.appendingPathComponent("config.json")), adapter: a,
                             numLabels: 3, pooling: pooling, headDropout: 0.3)
        let w = try ModelWeights.load(folder: folder, spec: spec, initStream: RandomStream(seed: 0, factor: .initialization))
        w.set("classifier.weight", try f.floats("head.weight"))
        w.set("classifier.bias", try f.floats("head.bias"))
        var set = 0
        for t in w.layout.tensors where t.role == .adapter {
            let info = try XCTUnwrap(f.tensors[t.name], "our tensor \(t.name) is not in the fixture")
            XCTAssertEqual(info.shape, t.shape, t.name)
            w.set(t.name, try f.floats(t.name)); set += 1
        }
        XCTAssertEqual(set, 101, "adapter tensor count")
        XCTAssertEqual(w.layout.trainableParameters, Int(f.metadata["trainable_count"] ?? ""), "trainable count")
        return (BertModel(layout: w.layout), w)
    }

    /// Largest absolute difference (and fails above `tol`).
    @discardableResult
    func assertClose(_ a: UnsafePointer<Float>, _ b: [Float], _ tol: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line) -> Float {
        var worst: Float = 0
        for i in 0..<b.count { worst = max(worst, abs(a[i] - b[i])) }
        XCTAssertLessThanOrEqual(worst, tol, "\(what): max abs difference \(worst)", file: file, line: line)
        return worst
    }

    func testForwardAndGradients() throws {
        Threads.set(2)
        let f = try Self.fixture(), b = try Self.batch(f)
        var report: [String] = []
        for pooling in [Pooling.pooler, .mean] {
            let (model, w) = try Self.load(f, pooling: pooling)
            let ws = model.makeWorkspace(for: b)
            var o = BertModel.ForwardOptions()
            let loss = model.forward(w, b, ws, &o)
            let h1 = assertClose(ws.layers[0].out.pointer, try f.floats("hidden.1"), 1e-4, "hidden.1")
            let h6 = assertClose(ws.layers[5].out.pointer, try f.floats("hidden.6"), 1e-4, "hidden.6")
            var gateWorst: Float = 0
            for l in 0..<6 {
                let s = try XCTUnwrap(ws.layerScratch as? UniPELT.Layers.Scratch).layers[l]
                for (key, buf) in [("lora_query", s.q.g), ("lora_value", s.v.g), ("prefix", s.pG), ("adapter", s.aG)] {
                    gateWorst = max(gateWorst, assertClose(buf.pointer, try f.floats("gate.\(l).\(key)"), 1e-4, "gate.\(l).\(key)"))
                }
            }
            assertClose(ws.pooled.pointer, try f.floats("pooled.\(pooling)"), 1e-4, "pooled.\(pooling)")
            let lg = assertClose(ws.logits.pointer, try f.floats("logits.\(pooling)"), 1e-4, "logits.\(pooling)")
            let refLoss = try f.floats("loss.\(pooling)")[0]
            XCTAssertEqual(loss, refLoss, accuracy: 1e-5, "loss.\(pooling)")
            // An evaluation workspace (one layer's activations shared by all layers) gives the same logits.
            let evalWS = model.makeWorkspace(batchSize: b.size, length: b.length, forTraining: false)
            var eo = BertModel.ForwardOptions()
            model.forward(w, b, evalWS, &eo)
            assertClose(evalWS.logits.pointer, try f.floats("logits.\(pooling)"), 1e-4, "logits.\(pooling) (evaluation workspace)")

            let g = Gradients(layout: w.layout)
            g.zero()
            model.backward(w, g, b, ws)
            var worstNorm = 0.0, worstSample = 0.0, worstName = "", checked = 0
            for t in w.layout.tensors where t.trainable {
                let name = t.name == "classifier.weight" ? "head.weight" : t.name == "classifier.bias" ? "head.bias" : t.name
                let key = "grad.\(pooling).\(name)"
                guard f.tensors[key + ".norm"] != nil else { XCTFail("\(name) is trainable here but has no reference gradient"); continue }
                let gp = try XCTUnwrap(g.pointer(w.layout.id(t.name)!))
                var norm = 0.0
                for i in 0..<t.count { norm += Double(gp[i]) * Double(gp[i]) }
                norm = norm.squareRoot()
                let refNorm = Double(try f.floats(key + ".norm")[0])
                let normErr = abs(norm - refNorm) / refNorm
                XCTAssertLessThanOrEqual(normErr, 1e-3, "\(name): gradient norm \(norm) vs \(refNorm)")
                let idx = try f.ints(key + ".index"), ref = try f.floats(key + ".value")
                var diff = 0.0, base = 0.0
                for (i, r) in zip(idx, ref) { let d = Double(gp[i]) - Double(r); diff += d * d; base += Double(r) * Double(r) }
                let sampleErr = (diff / max(base, 1e-30)).squareRoot()
                XCTAssertLessThanOrEqual(sampleErr, 1e-3, "\(name): sampled gradient relative L2 error")
                if max(normErr, sampleErr) > max(worstNorm, worstSample) { worstName = name }
                worstNorm = max(worstNorm, normErr); worstSample = max(worstSample, sampleErr)
                checked += 1
            }
            XCTAssertEqual(checked, 103, "every adapter tensor and the head")
            report.append("\(pooling): hidden.1 \(h1), hidden.6 \(h6), gates \(gateWorst), logits \(lg), loss \(abs(loss - refLoss)); "
                          + "gradients: worst norm error \(worstNorm), worst sampled error \(worstSample) (\(worstName))")
        }
        print("UniPELT parity — " + report.joined(separator: " | "))
    }

    /// The layout holds exactly the library's trainable tensors: 101 adapter tensors (+ head), base frozen.
    func testProductionLayout() throws {
        let config = BertConfig(vocabSize: 30522, hiddenSize: 384, numLayers: 6, numHeads: 12, intermediateSize: 1536,
                                maxPositions: 512, typeVocabSize: 2, layerNormEps: 1e-12, hiddenDropout: 0.1, attentionDropout: 0.1)
        let layout = try ParameterLayout(ModelSpec(config: config, adapter: AdapterSpec(kind: .unipelt), numLabels: 3))
        XCTAssertEqual(layout.trainableParameters, 3_283_883, "docs/reference.md's production count with a 3-class head")
        XCTAssertEqual(layout.tensors.filter { $0.trainable && $0.role != .head }.count, 101)
        var bad = AdapterSpec(kind: .unipelt); bad.reductionFactor = 0
        XCTAssertThrowsError(try ParameterLayout(ModelSpec(config: config, adapter: bad, numLabels: 3)))
    }
}
