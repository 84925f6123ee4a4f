import XCTest
@testable import DeniCore
@testable import DeniModel

/// Finite-difference checks of every parameter tensor's gradient on a tiny random BERT.
/// For each tensor, along the unit direction d = g/|g|, the central difference (L(w+εd) − L(w−εd)) / 2ε
/// must match g·d = |g|. Dropout is on: the same dropout stream is replayed for every evaluation, so the loss is a
/// deterministic function of the weights. Float32 arithmetic, so the difference uses Richardson extrapolation over steps of 0.02 and 0.01 along a unit direction;
/// tolerance 1 % relative + 2e-5 absolute (float32 rounding of the loss limits the absolute term).
final class GradientCheckTests: XCTestCase {
    static let tiny = BertConfig(vocabSize: 40, hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 24,
                                 maxPositions: 12, typeVocabSize: 2, layerNormEps: 1e-12, hiddenDropout: 0.1, attentionDropout: 0.1)

    func batch() -> Batch {
        Batch(sequences: [([1, 5, 7, 9, 2], [0, 0, 0, 1, 1]), ([1, 11, 2], [0, 0, 0]), ([1, 3, 4, 6, 8, 10, 2], [0, 0, 0, 0, 1, 1, 1])],
              labels: [0, 2, 1])
    }

    func check(_ adapter: AdapterSpec, pooling: Pooling, file: StaticString = #filePath, line: UInt = #line) throws {
        Threads.set(1)
        let spec = ModelSpec(config: Self.tiny, adapter: adapter, numLabels: 3, pooling: pooling, headDropout: 0.2)
        let w = try ModelWeights.random(spec: spec, stream: RandomStream(seed: 3, factor: .initialization))
        // Make adapters non-trivial so every gradient is non-zero.
        var r = RandomStream(seed: 5, factor: .noise)
        for (id, t) in w.layout.tensors.enumerated() where t.role == .adapter {
            let p = w.pointer(id)
            for i in 0..<t.count { p[i] = (t.name.hasSuffix("ia3_l") ? 1 : 0) + 0.3 * r.nextNormal() }
        }
        let model = BertModel(layout: w.layout)
        let b = batch()
        let ws = model.makeWorkspace(for: b)
        let dropout = RandomStream(seed: 11, factor: .dropout)
        func loss() -> Double {
            var o = BertModel.ForwardOptions(dropout: dropout)
            return Double(model.forward(w, b, ws, &o))
        }
        let g = Gradients(layout: w.layout)
        g.zero()
        _ = loss()
        model.backward(w, g, b, ws)
        var checked = 0
        for (id, t) in w.layout.tensors.enumerated() where t.trainable {
            let p = w.pointer(id), gp = g.pointer(id)!
            // Direction: the analytic gradient itself (maximal signal; a wrong gradient has a different
            // directional derivative along itself), restricted to the entries the batch can reach.
            var d = Array(UnsafeBufferPointer(start: gp, count: t.count))
            let norm = d.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            if norm == 0 { continue }
            for i in 0..<t.count { d[i] /= norm }
            var analytic = 0.0
            for i in 0..<t.count { analytic += Double(gp[i]) * Double(d[i]) }
            let saved = Array(UnsafeBufferPointer(start: p, count: t.count))
            func central(_ eps: Float) -> Double {
                for i in 0..<t.count { p[i] = saved[i] + eps * d[i] }
                let lp = loss()
                for i in 0..<t.count { p[i] = saved[i] - eps * d[i] }
                let lm = loss()
                for i in 0..<t.count { p[i] = saved[i] }
                return (lp - lm) / (2 * Double(eps))
            }
            // Richardson extrapolation: O(ε⁴) truncation error with a step large enough for float32.
            let numeric = (4 * central(0.01) - central(0.02)) / 3
            let tol = 0.01 * max(abs(numeric), abs(analytic)) + 2e-5
            XCTAssertEqual(analytic, numeric, accuracy: tol, "\(t.name): analytic \(analytic) vs numeric \(numeric)", file: file, line: line)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 5, file: file, line: line)
    }

    func testFullFineTuningPooler() throws { try check(AdapterSpec(kind: .full), pooling: .pooler) }
    func testFullFineTuningMean() throws { try check(AdapterSpec(kind: .full), pooling: .mean) }
    func testFullFineTuningCLS() throws { try check(AdapterSpec(kind: .full), pooling: .cls) }

    func testLoRA() throws {
        var a = AdapterSpec(kind: .lora); a.loraRank = 4; a.loraAlpha = 8; a.loraTargets = ["query", "value", "intermediate.dense"]
        try check(a, pooling: .mean)
    }

    func testIA3() throws { try check(AdapterSpec(kind: .ia3), pooling: .mean) }

    func testUniPELT() throws {
        var a = AdapterSpec(kind: .unipelt); a.loraRank = 3; a.prefixLength = 4; a.prefixHiddenSize = 5; a.reductionFactor = 4
        try check(a, pooling: .mean)
    }
}
