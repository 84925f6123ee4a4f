import Synchronization

/// A heap buffer of Float with reference semantics: no copy-on-write can ever duplicate the weights.
/// Memory is 64-byte aligned and zero-initialised.
///
/// Each buffer has an `identity` (unique for the process) and a `version`: a buffer of weights is `markChanged()` when
/// its values may have changed, and GEMM backends that multiply a prepared copy of a weight (bf16) prepare it again
/// only then (`PreparedWeights`).
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>
    public let identity: Int
    public private(set) var version = 0

    private static let identities = Atomic<Int>(0)

    public init(count: Int) {
        self.count = count
        identity = Self.identities.add(1, ordering: .relaxed).newValue
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 4, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(1, count))
        pointer.initialize(repeating: 0, count: count)
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit {
        PreparedWeights.forget(buffer: identity)
        UnsafeMutableRawPointer(pointer).deallocate()
    }

    /// Says that the values may have changed since the products last read them (prepared copies are stale).
    public func markChanged() { version &+= 1 }

    /// The `count` values from `offset` as a GEMM weight operand (see `WeightOperand`).
    public func weight(offset: Int, count: Int) -> WeightOperand {
        WeightOperand(buffer: identity, version: version, offset: offset, count: count)
    }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }
    public var array: [Float] { Array(buffer) }

    public subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    public func zero() { pointer.update(repeating: 0, count: count) }

    public func copy(from other: FloatBuffer) {
        precondition(other.count == count, "FloatBuffer.copy: size mismatch \(other.count) vs \(count)")
        pointer.update(from: other.pointer, count: count)
    }

    public func clone() -> FloatBuffer {
        let b = FloatBuffer(count: count)
        b.copy(from: self)
        return b
    }
}
