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

    /// The indices (into `examples`) of the next batch (a new permutation starts each epoch).
    public mutating func nextIndices() -> ArraySlice<Int> {
        if position >= permutation.count {
            permutation = Array(0..<examples.count)
            stream.shuffle(&permutation)
            position = 0
        }
        let end = min(position + batchSize, permutation.count)
        defer { position = end }
        return permutation[position..<end]
    }

    /// The next batch (a new permutation starts each epoch).
    public mutating func next() -> Batch { Batch(nextIndices().map { examples[$0] }) }

    /// Fixed-order batches over `examples`, without consuming any randomness.
    public static func sequential(_ examples: [EncodedExample], batchSize: Int) -> [Batch] {
        stride(from: 0, to: examples.count, by: batchSize).map { Batch(examples[$0..<min($0 + batchSize, examples.count)]) }
    }
}

/// Evaluation batches: examples sorted by length (ties by position) and cut into batches of `batchSize`, so
/// each batch pads little. `order[k]` is the example at sorted position k; predictions come back in that order.
public struct EvaluationBatches: Sendable {
    public let order: [Int]
    public let batches: [Batch]
    /// The batch size runs evaluate with (and `deni predict` by default).
    public static let defaultSize = 64

    public init(_ examples: [EncodedExample], batchSize: Int) {
        order = examples.indices.sorted { (examples[$0].ids.count, $0) < (examples[$1].ids.count, $1) }
        batches = BatchOrder.sequential(order.map { examples[$0] }, batchSize: batchSize)
    }

    /// Per-example rows in sorted order put back in the examples' order.
    public func restore<T>(_ sorted: [T]) -> [T] {
        var out = sorted
        for (k, i) in order.enumerated() { out[i] = sorted[k] }
        return out
    }
}

extension Batch {
    /// The examples padded to the longest of them, with their labels.
    public init<C: Collection>(_ examples: C) where C.Element == EncodedExample {
        self.init(sequences: examples.map { ($0.ids, $0.typeIDs) }, labels: examples.map(\.label))
    }
}
