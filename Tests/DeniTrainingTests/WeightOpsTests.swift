import XCTest
import DeniCore
import DeniModel
@testable import DeniTraining

final class WeightOpsTests: XCTestCase {
    func testInterpolationIsArithmeticMean() throws {
        let a = try Tiny.base(), b = a.clone(), c = a.clone()
        var r = RandomStream(seed: 1, factor: .noise)
        r.fillNormal(b.params.buffer); r.fillNormal(c.params.buffer)
        let (pa, pb, pc) = (a.params.array, b.params.array, c.params.array)
        WeightOps.average(into: a, [a, b, c])
        for i in stride(from: 0, to: pa.count, by: 97) {
            XCTAssertEqual(a.params[i], (pa[i] + pb[i] + pc[i]) / 3, accuracy: 1e-6)
        }
    }

    /// perturb adds noise with std = scale · std(p) per tensor.
    func testPerturbationHasRequestedStd() throws {
        Threads.set(1)
        let spec = ModelSpec(config: BertConfig(vocabSize: 600, hiddenSize: 64, numLayers: 1, numHeads: 2, intermediateSize: 64, maxPositions: 8),
                             numLabels: 3)
        let w = try ModelWeights.random(spec: spec, stream: RandomStream(seed: 2, factor: .initialization))
        let before = w.clone()
        let t = w.layout.tensors[w.layout.id("embeddings.word_embeddings.weight")!]
        let sd = WeightOps.std(w.params.pointer + t.offset, count: t.count)
        var noise = RandomStream(seed: 5, factor: .noise)
        WeightOps.perturb(w, tensors: [t], scale: 0.5, scaling: .std, stream: &noise)
        var diff = [Float](repeating: 0, count: t.count)
        for i in 0..<t.count { diff[i] = w.params[t.offset + i] - before.params[t.offset + i] }
        let got = diff.withUnsafeBufferPointer { WeightOps.std($0.baseAddress!, count: t.count) }
        XCTAssertEqual(got / sd, 0.5, accuracy: 0.01)
        // Untouched tensors stay identical.
        let other = w.layout.tensors[w.layout.id("classifier.weight")!]
        for i in 0..<other.count { XCTAssertEqual(w.params[other.offset + i], before.params[other.offset + i]) }
    }

    /// A tensor with std 0 (LoRA B at init, IA3 ones) gets no noise under std scaling.
    func testZeroStdTensorGetsNoNoise() throws {
        let w = try Tiny.base(.lora)
        let id = w.layout.id("encoder.layer.0.attention.self.query.lora_B.weight")!
        let t = w.layout.tensors[id]
        var noise = RandomStream(seed: 5, factor: .noise)
        WeightOps.perturb(w, tensors: [t], scale: 1, scaling: .std, stream: &noise)
        XCTAssertTrue(w.tensor(t.name)!.allSatisfy { $0 == 0 })
    }

    func testHardVoteTiesGoToLowestClass() {
        // 4 members, 3 classes: example 0 has a 2-2 tie between classes 2 and 1 → 1.
        let probs: [[[Float]]] = [
            [[0.1, 0.2, 0.7]], [[0.1, 0.2, 0.7]], [[0.2, 0.6, 0.2]], [[0.3, 0.5, 0.2]],
        ]
        XCTAssertEqual(WeightOps.vote(probs, soft: false), [1])
        // Soft: mean probabilities (0.175, 0.375, 0.45) → 2.
        XCTAssertEqual(WeightOps.vote(probs, soft: true), [2])
        XCTAssertEqual(WeightOps.argmax([0.5, 0.5, 0.1]), 0)
    }

    /// Drawing noise never shifts another stream: the order and dropout streams of a run are the same
    /// whatever the noise stream did.
    func testNoiseDrawsDoNotShiftOtherStreams() {
        let seeds = Seeds(all: 9)
        var noise = seeds.stream(.noise)
        for _ in 0..<10_000 { _ = noise.nextNormal() }
        var o1 = seeds.stream(.order), o2 = Seeds(all: 9).stream(.order)
        XCTAssertEqual((0..<10).map { _ in o1.next() }, (0..<10).map { _ in o2.next() })
    }
}
