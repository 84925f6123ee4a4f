import Synchronization

/// A weight matrix given to `GEMM` as its B operand, named by where it lives: `count` values at `offset` in the
/// `FloatBuffer` with identity `buffer`, as of that buffer's `version`. A backend that multiplies a prepared form of
/// the weight (bf16 bits, or floats rounded to bf16) prepares it once per version instead of once per product.
public struct WeightOperand: Sendable, Hashable {
    public let buffer: Int
    public let version: Int
    public let offset: Int
    public let count: Int
}

/// A weight's prepared values (`elementBytes` each), laid out like the float32 weight: element i of the weight is
/// element i here, so the leading dimension and any offset into the weight carry over.
public struct PreparedOperand: @unchecked Sendable {
    public let base: UnsafeRawPointer
    public let elementBytes: Int
    /// The prepared form of the weight's element `elements` from its start.
    public func advanced(by elements: Int) -> UnsafeRawPointer { base + elements * elementBytes }
}

/// Prepared copies of weights for one element format, each kept until its buffer's version moves on or the buffer
/// is freed. Elementwise preparation only (rounding), so a copy has the weight's own layout.
///
/// Memory: one copy of every weight matrix multiplied in this format by a model alive in the process — `elementBytes`
/// per parameter of the encoder's matrices (bf16: 21 MB for all-MiniLM-L6-v2's 10.6 M; the frozen copy is shared by
/// every PEFT run, a full fine-tuning run adds its own).
public final class PreparedWeights: @unchecked Sendable {
    struct Key: Hashable { let buffer: Int, offset: Int }
    final class Entry: @unchecked Sendable {
        /// The buffer version the copy holds (`Int.min`: not prepared yet); its lock is held while the copy is made.
        let version = Mutex<Int>(.min)
        let bytes: UnsafeMutableRawPointer
        let count: Int
        init(count: Int, elementBytes: Int) {
            self.count = count
            bytes = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * elementBytes, alignment: 64)
        }
        deinit { bytes.deallocate() }
    }

    public let elementBytes: Int
    /// Writes the prepared form of `count` floats.
    let prepare: @Sendable (UnsafePointer<Float>, Int, UnsafeMutableRawPointer) -> Void
    private let entries = Mutex<[Key: Entry]>([:])
    private let held = Atomic<Int>(0)
    /// How many times a weight was prepared (each is a refresh of a stale or missing copy).
    private let preparations = Atomic<Int>(0)

    public init(elementBytes: Int, prepare: @escaping @Sendable (UnsafePointer<Float>, Int, UnsafeMutableRawPointer) -> Void) {
        self.elementBytes = elementBytes; self.prepare = prepare
        Self.registry.withLock { $0.append(self) }
    }

    /// The prepared form of `weight`, whose float32 values start at `source`: the kept copy when it was prepared at
    /// the weight's current version, a fresh one otherwise. Only the entry is locked while a copy is made, so threads
    /// preparing different weights (ensemble members side by side) do not wait for each other.
    public func prepared(_ weight: WeightOperand, _ source: UnsafePointer<Float>) -> PreparedOperand {
        let key = Key(buffer: weight.buffer, offset: weight.offset)
        let entry = entries.withLock { entries -> Entry in
            if let e = entries[key], e.count == weight.count { return e }
            let e = Entry(count: weight.count, elementBytes: elementBytes)
            entries[key] = e
            held.store(entries.count, ordering: .relaxed)
            return e
        }
        entry.version.withLock { version in
            guard version != weight.version else { return }
            prepare(source, weight.count, entry.bytes)
            version = weight.version
            preparations.add(1, ordering: .relaxed)
        }
        return PreparedOperand(base: UnsafeRawPointer(entry.bytes), elementBytes: elementBytes)
    }

    /// Prepared copies held now, their bytes, and the preparations since the process started.
    public var statistics: (copies: Int, bytes: Int, preparations: Int) {
        entries.withLock { e in (e.count, e.values.reduce(0) { $0 + $1.count * elementBytes }, preparations.load(ordering: .relaxed)) }
    }

    func forget(buffer: Int) {
        guard held.load(ordering: .relaxed) > 0 else { return }
        entries.withLock { entries in
            entries = entries.filter { $0.key.buffer != buffer }
            held.store(entries.count, ordering: .relaxed)
        }
    }

    /// Frees every copy (nothing may be multiplying from them: between products only).
    func removeAll() {
        entries.withLock { $0.removeAll(); held.store(0, ordering: .relaxed) }
    }

    /// Frees the copies of every format but `kept`'s (`GEMM.use` when the precision changes).
    static func releaseAll(except kept: PreparedWeights?) {
        for cache in registry.withLock({ $0 }) where cache !== kept { cache.removeAll() }
    }

    private static let registry = Mutex<[PreparedWeights]>([])

    /// Drops every copy of a freed buffer's weights (its identity is never reused, so this only returns memory).
    static func forget(buffer: Int) {
        for cache in registry.withLock({ $0 }) { cache.forget(buffer: buffer) }
    }
}
