import DeniCore
import DeniModel
@testable import DeniTraining

/// A tiny BERT and a learnable synthetic task (the label is which marker token a sequence contains), for
/// end-to-end tests of the training loop and the strategies. Not a stand-in for the real model anywhere else.
enum Tiny {
    static let config = BertConfig(vocabSize: 30, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32,
                                   maxPositions: 16, typeVocabSize: 2, hiddenDropout: 0.1, attentionDropout: 0.1)

    static func base(_ kind: AdapterSpec.Kind = .full) throws -> ModelWeights {
        var a = AdapterSpec(kind: kind)
        a.loraRank = 4; a.loraAlpha = 4
        return try ModelWeights.random(spec: ModelSpec(config: config, adapter: a, numLabels: 3, pooling: .mean, headDropout: 0.1),
                                       stream: RandomStream(seed: 1, factor: .initialization))
    }

    static func examples(_ n: Int, seed: UInt64) -> [EncodedExample] {
        var r = RandomStream(seed: seed, factor: .sample)
        return (0..<n).map { i in
            let label = i % 3
            var ids: [Int32] = [1]
            for _ in 0..<(3 + r.nextInt(below: 4)) { ids.append(Int32(10 + r.nextInt(below: 18))) }
            ids.insert(Int32(5 + label), at: 1 + r.nextInt(below: ids.count))
            ids.append(2)
            return EncodedExample(ids: ids, typeIDs: [Int32](repeating: 0, count: ids.count), label: label)
        }
    }

    static func setup(_ kind: StrategyKind, seeds: Seeds = Seeds(all: 3), epochs: Int = 4, configure: (inout StrategyConfig) -> Void = { _ in }) -> RunSetup {
        var s = StrategyConfig(kind: kind)
        s.deni?.ensembleSize = 3
        if case .ensemble = s.settings { s.settings = .ensemble(size: 3) }
        configure(&s)
        return RunSetup(id: RunID(strategy: s.label, run: 0), strategy: s, seeds: seeds, train: examples(48, seed: 1),
                        test: examples(30, seed: 2), evalSubset: examples(9, seed: 2), epochs: epochs, batchSize: 8,
                        learningRate: 3e-3, evalEvery: 0, fullFineTuning: true)
    }
}

/// Collects events in memory.
final class Recorder: EventSink, @unchecked Sendable {
    var events: [TrainingEvent] = []
    func publish(_ event: TrainingEvent) { events.append(event) }
}
