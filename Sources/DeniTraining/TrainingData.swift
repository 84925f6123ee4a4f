import DeniCore
import DeniModel

/// One tokenized example.
public struct EncodedExample: Sendable, Hashable {
    public var ids: [Int32]
    public var typeIDs: [Int32]
    public var label: Int
    public init(ids: [Int32], typeIDs: [Int32], label: Int) { self.ids = ids; self.typeIDs = typeIDs; self.label = label }
}

/// Batches in a seeded order: each epoch is a fresh permutation drawn from the order stream; the last
/// partial batch is kept (the protocol). Batches are padded to their longest sequence.
public struct BatchOrder: Sendable {
    public let examples: [EncodedExample]
    public let batchSize: Int
    public var stepsPerEpoch: Int { (examples.count + batchSize - 1) / batchSize }
    private var stream: RandomStream
    private var permutation: [Int] = []
    private var position = 0

    public init(examples: [EncodedExample], batchSize: Int, stream: RandomStream) {
        self.examples = examples; self.batchSize = batchSize; self.stream = stream
    }

    /// The next batch (a new permutation starts each epoch).
    public mutating func next() -> Batch {
        if position >= permutation.count {
            permutation = Array(0..<examples.count)
            stream.shuffle(&permutation)
            position = 0
        }
        let end = min(position + batchSize, permutation.count)
        let chosen = permutation[position..<end].map { examples[$0] }
        position = end
        return Batch(sequences: chosen.map { ($0.ids, $0.typeIDs) }, labels: chosen.map(\.label))
    }

    /// Fixed-order batches over `examples` (evaluation), without consuming any randomness.
    public static func sequential(_ examples: [EncodedExample], batchSize: Int) -> [Batch] {
        stride(from: 0, to: examples.count, by: batchSize).map { start in
            let chunk = examples[start..<min(start + batchSize, examples.count)]
            return Batch(sequences: chunk.map { ($0.ids, $0.typeIDs) }, labels: chunk.map(\.label))
        }
    }
}
