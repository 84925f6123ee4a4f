
/// Runs `body(range)` over `0..<count` split into at most `Threads.count` contiguous chunks.
/// The partition depends only on `count`, `minimumPerChunk` and the thread count, so results are
/// deterministic for a given thread layout. `body` must only write disjoint memory per range.
@inline(__always)
public func parallelFor(_ count: Int, minimumPerChunk: Int = 4096, _ body: (Range<Int>) -> Void) {
    let chunks = min(Threads.count, max(1, count / max(1, minimumPerChunk)))
    if chunks <= 1 || Threads.isInsideParallelRegion { body(0..<count); return }
    let size = (count + chunks - 1) / chunks
    Threads.parallel(chunks) { c in
        let lo = c * size, hi = min(count, lo + size)
        if lo < hi { body(lo..<hi) }
    }
}

/// Carries a value across a concurrency boundary the caller has proven safe.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
