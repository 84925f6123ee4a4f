import XCTest
import CDeniBF16
@testable import DeniCore

/// Prepared (bf16) weight copies: made once per version of the weight's buffer, made again after `markChanged`,
/// dropped with the buffer, and multiplied to the same bits as rounding the weight inside the product.
final class PreparedWeightsTests: XCTestCase {
    func testACopyIsKeptUntilItsBufferChanges() {
        let cache = PreparedWeights(elementBytes: 4) { source, count, out in
            deni_bf16_round(source, 1, count, count, out.assumingMemoryBound(to: Float.self))
        }
        let w = FloatBuffer((0..<24).map { Float($0) * 1.0009765625 + 0.001 })
        let operand = { w.weight(offset: 4, count: 12) }
        let first = cache.prepared(operand(), w.pointer + 4)
        XCTAssertEqual(cache.statistics.preparations, 1)
        let rounded = Array(UnsafeBufferPointer(start: first.base.assumingMemoryBound(to: Float.self), count: 12))
        XCTAssertEqual(rounded, (4..<16).map { referenceRound(w[$0]) })
        // Same version: the kept copy, nothing prepared.
        XCTAssertEqual(cache.prepared(operand(), w.pointer + 4).base, first.base)
        XCTAssertEqual(cache.statistics.preparations, 1)
        // A write without `markChanged` is not seen (the contract the model's hook keeps)…
        w[4] = 1000.5
        XCTAssertEqual(cache.prepared(operand(), w.pointer + 4).base.assumingMemoryBound(to: Float.self)[0], rounded[0])
        // …and after it the copy is made again, in place.
        w.markChanged()
        let second = cache.prepared(operand(), w.pointer + 4)
        XCTAssertEqual(cache.statistics.preparations, 2)
        XCTAssertEqual(second.base.assumingMemoryBound(to: Float.self)[0], referenceRound(1000.5))
        XCTAssertEqual(cache.statistics.copies, 1)
        XCTAssertEqual(cache.statistics.bytes, 12 * 4)
        // Another tensor of the buffer is its own copy; both go when the buffer is freed.
        _ = cache.prepared(w.weight(offset: 16, count: 8), w.pointer + 16)
        XCTAssertEqual(cache.statistics.copies, 2)
        // A buffer that lives only inside this call.
        @inline(never) func prepareATemporaryBuffer() {
            let other = FloatBuffer(count: 8)
            _ = cache.prepared(other.weight(offset: 0, count: 8), other.pointer)
            XCTAssertEqual(cache.statistics.copies, 3)
        }
        prepareATemporaryBuffer()
        XCTAssertEqual(cache.statistics.copies, 2, "the freed buffer's copy is dropped")
    }

    /// Identities are never reused, so a new buffer at a freed one's address never meets its stale copy.
    func testBufferIdentitiesAreUnique() {
        var seen = Set<Int>()
        for _ in 0..<1000 { XCTAssertTrue(seen.insert(FloatBuffer(count: 4).identity).inserted) }
    }

    /// Through `GEMM`, a product with B named as a weight gives the bits of the same product with B rounded inside the
    /// call, in both layouts of B, on one thread and split over two, and a changed weight is used once marked.
    func testProductsOnPreparedWeightsEqualProductsOnRoundedWeights() {
        var stream = RandomStream(seed: 11, factor: .initialization)
        for (m, n, k, split) in [(9, 7, 5, false), (300, 60, 160, true), (40, 320, 200, true)] {
            for tb in [Transpose.none, .transpose] {
                let a = (0..<(m * k)).map { _ in stream.nextFloat() * 2 - 1 }
                let w = FloatBuffer((0..<(k * n)).map { _ in stream.nextFloat() * 2 - 1 })
                let ldb = tb == .none ? n : k
                func product(_ backend: any GEMMBackend) -> [Float] {
                    let saved = GEMM.backend
                    GEMM.backend = backend
                    Threads.set(split ? 2 : 1)
                    defer { GEMM.backend = saved; Threads.set(1) }
                    var c = [Float](repeating: 0.5, count: m * n)
                    GEMM.sgemm(.none, tb, m: m, n: n, k: k, alpha: 0.75, a: a, lda: k, b: w.pointer, ldb: ldb,
                               bWeight: w.weight(offset: 0, count: w.count), beta: 0.5, c: &c, ldc: n)
                    return c
                }
                let perCall = BF16EmulationBackend(base: OneDNNBackend(), preparesWeights: false)
                let prepared = BF16EmulationBackend(base: OneDNNBackend())
                XCTAssertEqual(product(prepared), product(perCall), "\(m)×\(n)×\(k) \(tb) split \(split)")
                var backends: [(any GEMMBackend, any GEMMBackend)] = []
                if let native = try? OneDNNBF16Backend(), let nativePerCall = try? OneDNNBF16Backend(preparesWeights: false) {
                    backends.append((native, nativePerCall))
                }
                for (p, q) in backends { XCTAssertEqual(product(p), product(q), "native \(m)×\(n)×\(k) \(tb) split \(split)") }
                w[0] += 1; w.markChanged()
                XCTAssertEqual(product(prepared), product(perCall), "after a change: \(m)×\(n)×\(k) \(tb)")
            }
        }
    }
}
