import DeniCore

/// Gradients of one model copy's trainable parameters (mirrors `ModelWeights.params`).
///
/// Word-embedding rows are tracked: `stepRows` are the rows that received a gradient in the current step
/// (only those are zeroed before the next), `everRows` those that ever did. A row never touched has zero
/// Adam moments, so the optimiser skips it exactly.
public final class Gradients: @unchecked Sendable {
    public let layout: ParameterLayout
    public let buffer: FloatBuffer
    /// Offset and row width of the word embeddings in the trainable buffer (nil when frozen).
    public let embedding: (offset: Int, rows: Int, width: Int)?
    public private(set) var stepRows: [Int32] = []
    public private(set) var everRows: [Int32] = []
    private var stepMark: [Bool]
    private var everMark: [Bool]
    /// True when the last backward reached only the head (the encoder received no gradient).
    public internal(set) var headOnly = false

    public init(layout: ParameterLayout) {
        self.layout = layout
        buffer = FloatBuffer(count: layout.trainableCount)
        if let id = layout.id("embeddings.word_embeddings.weight"), layout.tensors[id].trainable {
            let t = layout.tensors[id]
            embedding = (t.offset, t.shape[0], t.shape[1])
            stepMark = [Bool](repeating: false, count: t.shape[0]); everMark = stepMark
        } else {
            embedding = nil; stepMark = []; everMark = []
        }
    }

    @inline(__always) public func pointer(_ id: Int) -> UnsafeMutablePointer<Float>? {
        let t = layout.tensors[id]
        return t.trainable ? buffer.pointer + t.offset : nil
    }

    /// Zeroes the gradients before a step (word embeddings: only the rows the last step touched).
    public func zero() {
        headOnly = false
        guard let e = embedding else { buffer.zero(); return }
        let end = e.offset + e.rows * e.width
        (buffer.pointer).update(repeating: 0, count: e.offset)
        let rest = UncheckedSendable(buffer.pointer + end)
        parallelFor(buffer.count - end, minimumPerChunk: 1 << 20) { r in (rest.value + r.lowerBound).update(repeating: 0, count: r.count) }
        for r in stepRows { (buffer.pointer + e.offset + Int(r) * e.width).update(repeating: 0, count: e.width) }
        for r in stepRows { stepMark[Int(r)] = false }
        stepRows.removeAll(keepingCapacity: true)
    }

    func markRow(_ row: Int32) {
        let r = Int(row)
        if !stepMark[r] { stepMark[r] = true; stepRows.append(row) }
        if !everMark[r] { everMark[r] = true; everRows.append(row) }
    }

    /// Forgets which rows were ever touched (a fresh optimiser).
    public func resetHistory() {
        for r in everRows { everMark[Int(r)] = false }
        everRows.removeAll()
    }

    /// Adopts the row history of another copy (a clone that inherits its optimiser state).
    public func copyHistory(from other: Gradients) {
        resetHistory()
        for r in other.everRows { everMark[Int(r)] = true; everRows.append(r) }
    }

    /// Squared L2 norm of all gradients (Double accumulation).
    public func squaredNorm() -> Double {
        var s = 0.0
        let p = buffer.pointer
        for i in 0..<buffer.count { let v = Double(p[i]); s += v * v }
        return s
    }
}
