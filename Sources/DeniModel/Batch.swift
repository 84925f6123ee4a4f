/// A padded batch of token ids. All arrays are row-major (B, T).
public struct Batch: Sendable {
    public var ids: [Int32]
    public var typeIDs: [Int32]
    /// 1 for real tokens, 0 for padding.
    public var mask: [Float]
    public var labels: [Int]
    public let size: Int
    public let length: Int

    public init(ids: [Int32], typeIDs: [Int32], mask: [Float], labels: [Int], size: Int, length: Int) {
        precondition(ids.count == size * length && typeIDs.count == ids.count && mask.count == ids.count)
        self.ids = ids; self.typeIDs = typeIDs; self.mask = mask; self.labels = labels; self.size = size; self.length = length
    }

    /// Pads encoded sequences (ids, type ids) to the longest one with [PAD] = 0.
    public init(sequences: [(ids: [Int32], typeIDs: [Int32])], labels: [Int], padID: Int32 = 0) {
        let T = max(1, sequences.map(\.ids.count).max() ?? 1)
        var ids = [Int32](repeating: padID, count: sequences.count * T)
        var types = [Int32](repeating: 0, count: ids.count)
        var mask = [Float](repeating: 0, count: ids.count)
        for (b, s) in sequences.enumerated() {
            for t in 0..<s.ids.count { ids[b * T + t] = s.ids[t]; types[b * T + t] = s.typeIDs[t]; mask[b * T + t] = 1 }
        }
        self.init(ids: ids, typeIDs: types, mask: mask, labels: labels, size: sequences.count, length: T)
    }

    /// The batch cut into at most `parts` consecutive groups of rows, each keeping this batch's padded length.
    public func split(into parts: Int) -> [Batch] {
        let per = (size + parts - 1) / max(1, parts)
        guard parts > 1, size > 1 else { return [self] }
        return stride(from: 0, to: size, by: per).map { start in
            let end = min(size, start + per), r = (start * length)..<(end * length)
            return Batch(ids: Array(ids[r]), typeIDs: Array(typeIDs[r]), mask: Array(mask[r]),
                         labels: labels.isEmpty ? [] : Array(labels[start..<min(end, labels.count)]), size: end - start, length: length)
        }
    }
}
