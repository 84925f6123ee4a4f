import XCTest
import DeniCore
@testable import DeniModel
@testable import DeniTraining

/// The engine makes no subnormal floats (they cost microcode assists on Intel cores, 12× slower steps) and
/// masked keys get exact zeros. Run with flush-to-zero and denormals-are-zero OFF on every engine thread, so
/// nothing is hidden by the hardware: forward, backward and one Adam step on the real checkpoint with a padded
/// batch of lengths 3…50, for every tuning. Deterministic (fixed seeds), not a timing.
final class SubnormalTests: XCTestCase {
    static let lengths = [3, 50, 9, 17, 24, 31, 38, 45]

    override func setUp() { FloatingPointMode.engine = .ieee }
    override func tearDown() { FloatingPointMode.engine = .flushSubnormals; FloatingPointMode.enter() }

    func modelFolder() throws -> URL {
        let url = ProjectPaths.model()
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("model.safetensors").path) else {
            throw XCTSkip("model not installed at \(url.path): \(ProjectPaths.modelHowTo)")
        }
        return url
    }

    /// A batch of real-looking sequences ([CLS] random word pieces [SEP]) of the given lengths, padded to 50.
    func paddedBatch(vocab: Int) -> Batch {
        var r = RandomStream(seed: 11, factor: .sample)
        let seqs: [([Int32], [Int32])] = Self.lengths.map { n in
            ([101] + (0..<(n - 2)).map { _ in Int32(1000 + r.nextInt(below: vocab - 1000)) } + [102], [Int32](repeating: 0, count: n))
        }
        return Batch(sequences: seqs, labels: Self.lengths.indices.map { $0 % 6 })
    }

    func testNoSubnormalsAndExactMaskedZerosWithFTZOff() throws {
        let folder = try modelFolder()
        let config = try BertConfig.load(folder.appendingPathComponent("config.json"))
        Threads.set(2)
        for kind in [AdapterSpec.Kind.full, .lora, .ia3, .unipelt] {
            let spec = ModelSpec(config: config, adapter: AdapterSpec(kind: kind), numLabels: 6, pooling: .mean, headDropout: 0.3)
            let base = try ModelWeights.load(folder: folder, spec: spec, initStream: RandomStream(seed: 5, factor: .initialization))
            let model = BertModel(layout: base.layout)
            let member = Member(weights: base.clone(), adam: Adam(layout: base.layout),
                                schedule: LearningRateSchedule(base: 1e-4, totalSteps: 100), dropout: RandomStream(seed: 3, factor: .dropout))
            let batch = paddedBatch(vocab: config.vocabSize)
            // Two steps: the second reads the moments and weights the first wrote.
            for _ in 0..<2 { XCTAssertTrue(member.trainStep(model, batch).isFinite, "\(kind): loss") }
            XCTAssertFalse(FloatingPointMode.currentThreadFlushes, "the test must run with FTZ/DAZ off")
            let ws = member.workspace(model, batch)
            assertMaskedZeros(ws, batch: batch, prefix: ws.P, kind: kind)
            var checked = 0
            for (name, buffer) in Self.buffers(of: ws) + [("gradients", member.grads.buffer), ("adam.m", member.adam.m),
                                                          ("adam.v", member.adam.v), ("weights", member.weights.params)] {
                let p = buffer.pointer
                var first: Int? = nil, count = 0
                for i in 0..<buffer.count where p[i].isSubnormal { count += 1; if first == nil { first = i } }
                XCTAssertEqual(count, 0, "\(kind): \(name) holds \(count) subnormal values (first at \(first ?? -1): \(first.map { p[$0] } ?? 0))")
                checked += buffer.count
            }
            XCTAssertGreaterThan(checked, 1_000_000, "\(kind): buffers checked")
        }
    }

    /// Packed layouts (full, LoRA, IA3) give padding no rows at all; the padded layout (UniPELT) gives every query
    /// row's probabilities over keys past its sequence's length exactly 0, in the softmax output, its dropout
    /// copy (every layer) and the score gradient (the layer backward ended with, layer 0).
    func assertMaskedZeros(_ ws: Workspace, batch: Batch, prefix P: Int, kind: AdapterSpec.Kind) {
        let rl = ws.rows, NH = ws.NH
        XCTAssertEqual(rl.lengths, Self.lengths, "\(kind): sequence lengths")
        if kind != .unipelt {
            XCTAssertTrue(rl.packed, "\(kind): real tokens only")
            XCTAssertEqual(rl.R, Self.lengths.reduce(0, +), "\(kind): rows")
            return
        }
        XCTAssertFalse(rl.packed, "UniPELT's gates average over padding: padded layout")
        var masked = 0
        for (l, layer) in ws.layers.enumerated() {
            for (name, buf) in [("probs", layer.probs), ("probsDrop", layer.probsDrop)] + (l == 0 ? [("dAtt", ws.dAtt)] : []) {
                var nonzero = 0
                for b in 0..<rl.B {
                    let r = rl.rows[b], keys = P + r
                    for h in 0..<NH {
                        for t in 0..<r {
                            let row = buf.pointer + rl.attStart[b] + (h * r + t) * keys
                            for j in (P + rl.lengths[b])..<keys {
                                masked += 1
                                if row[j] != 0 { nonzero += 1 }
                            }
                        }
                    }
                }
                XCTAssertEqual(nonzero, 0, "\(kind): layer \(l) \(name): \(nonzero) masked positions are not exactly 0")
            }
        }
        XCTAssertGreaterThan(masked, 0)
    }

    /// Padding changes nothing for real tokens: each sequence of the padded batch gets the logits it gets alone
    /// (eval mode), for every tuning — packed attention and UniPELT's masks alike.
    func testPaddedBatchMatchesEachSequenceAlone() throws {
        let folder = try modelFolder()
        let config = try BertConfig.load(folder.appendingPathComponent("config.json"))
        Threads.set(2)
        for kind in [AdapterSpec.Kind.full, .lora, .ia3] {
            let spec = ModelSpec(config: config, adapter: AdapterSpec(kind: kind), numLabels: 6, pooling: .mean, headDropout: 0.3)
            let w = try ModelWeights.load(folder: folder, spec: spec, initStream: RandomStream(seed: 5, factor: .initialization))
            let model = BertModel(layout: w.layout)
            let batch = paddedBatch(vocab: config.vocabSize)
            let ws = model.makeWorkspace(batchSize: batch.size, length: batch.length, forTraining: false)
            var o = BertModel.ForwardOptions()
            model.forward(w, batch, ws, &o)
            let together = ws.logits.array
            for (b, n) in Self.lengths.enumerated() {
                let one = Batch(ids: Array(batch.ids[(b * batch.length)..<(b * batch.length + n)]), typeIDs: [Int32](repeating: 0, count: n),
                                mask: [Float](repeating: 1, count: n), labels: [], size: 1, length: n)
                let ws1 = model.makeWorkspace(batchSize: 1, length: n, forTraining: false)
                var o1 = BertModel.ForwardOptions()
                model.forward(w, one, ws1, &o1)
                for c in 0..<6 {
                    XCTAssertEqual(ws1.logits[c], together[b * 6 + c], accuracy: 2e-6, "\(kind): sequence \(b) (length \(n)) class \(c)")
                }
            }
        }
    }

    /// Every float buffer reachable from the workspace (layers, adapter scratch), found by reflection so a
    /// buffer added later is checked too.
    static func buffers(of root: Any) -> [(String, FloatBuffer)] {
        var seen = Set<ObjectIdentifier>(), out: [(String, FloatBuffer)] = []
        func visit(_ value: Any, _ path: String, depth: Int) {
            guard depth < 8 else { return }
            if let b = value as? FloatBuffer {
                if seen.insert(ObjectIdentifier(b)).inserted { out.append((path, b)) }
                return
            }
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .class, let o = value as AnyObject?, !seen.insert(ObjectIdentifier(o)).inserted { return }
            for (i, child) in mirror.children.enumerated() { visit(child.value, path + "." + (child.label ?? "\(i)"), depth: depth + 1) }
            var sup = mirror.superclassMirror
            while let s = sup { for c in s.children { visit(c.value, path + "." + (c.label ?? "?"), depth: depth + 1) }; sup = s.superclassMirror }
        }
        visit(root, "workspace", depth: 0)
        return out
    }
}
