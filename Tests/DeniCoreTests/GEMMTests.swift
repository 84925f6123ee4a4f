import XCTest
@testable import DeniCore

/// Every GEMM backend against a Double reference, for every transpose pair, padded leading dimensions,
/// alpha/beta, and the split over threads.
final class GEMMTests: XCTestCase {
    private struct Case { var ta: Transpose; var tb: Transpose; var m, n, k: Int }

    private func random(_ count: Int, _ stream: inout RandomStream) -> [Float] {
        (0..<count).map { _ in stream.nextFloat() * 2 - 1 }
    }

    /// C = alpha·op(A)·op(B) + beta·C with row-major storage and the given leading dimensions, in Double.
    private func reference(_ c: Case, alpha: Float, a: [Float], lda: Int, b: [Float], ldb: Int,
                           beta: Float, cIn: [Float], ldc: Int) -> [Double] {
        var out = cIn.map(Double.init)
        for i in 0..<c.m {
            for j in 0..<c.n {
                var s = 0.0
                for p in 0..<c.k {
                    let x = c.ta == .none ? a[i * lda + p] : a[p * lda + i]
                    let y = c.tb == .none ? b[p * ldb + j] : b[j * ldb + p]
                    s += Double(x) * Double(y)
                }
                out[i * ldc + j] = Double(alpha) * s + Double(beta) * Double(cIn[i * ldc + j])
            }
        }
        return out
    }

    private func check(_ backend: any GEMMBackend, _ c: Case, split: Bool, file: StaticString = #filePath, line: UInt = #line) {
        var stream = RandomStream(seed: UInt64(c.m * 131 + c.n * 17 + c.k), factor: .initialization)
        let pad = 3
        let aRows = c.ta == .none ? c.m : c.k, aCols = c.ta == .none ? c.k : c.m
        let bRows = c.tb == .none ? c.k : c.n, bCols = c.tb == .none ? c.n : c.k
        let lda = aCols + pad, ldb = bCols + pad, ldc = c.n + pad
        let a = random(aRows * lda, &stream), b = random(bRows * ldb, &stream)
        let cIn = random(c.m * ldc, &stream)
        let alpha: Float = 0.75, beta: Float = 0.5
        var got = cIn
        let saved = GEMM.backend
        GEMM.backend = backend
        Threads.set(split ? 2 : 1)
        defer { GEMM.backend = saved; Threads.set(1) }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                got.withUnsafeMutableBufferPointer { pc in
                    GEMM.sgemm(c.ta, c.tb, m: c.m, n: c.n, k: c.k, alpha: alpha, a: pa.baseAddress!, lda: lda,
                               b: pb.baseAddress!, ldb: ldb, beta: beta, c: pc.baseAddress!, ldc: ldc)
                }
            }
        }
        let want = reference(c, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, cIn: cIn, ldc: ldc)
        var worst = 0.0
        for i in 0..<c.m {
            for j in 0..<ldc {
                let idx = i * ldc + j
                if j >= c.n {
                    // Padding columns of C are never written.
                    XCTAssertEqual(got[idx], cIn[idx], "\(backend.name) wrote padding at (\(i), \(j))", file: file, line: line)
                } else {
                    worst = max(worst, abs(Double(got[idx]) - want[idx]) / (1 + abs(want[idx])))
                }
            }
        }
        XCTAssertLessThan(worst, 1e-5 * Double(c.k).squareRoot(), "\(backend.name) \(c) split \(split)", file: file, line: line)
    }

    private let backends: [any GEMMBackend] = GEMMBackends.names.map { GEMMBackends.named($0)! }

    private func forEveryBackendAndTransposePair(_ body: (any GEMMBackend, Transpose, Transpose) -> Void) {
        for backend in backends {
            for ta in [Transpose.none, .transpose] {
                for tb in [Transpose.none, .transpose] { body(backend, ta, tb) }
            }
        }
    }

    func testEveryBackendMatchesReferenceForEveryTransposePair() {
        forEveryBackendAndTransposePair { backend, ta, tb in
            check(backend, Case(ta: ta, tb: tb, m: 7, n: 5, k: 9), split: false)
            check(backend, Case(ta: ta, tb: tb, m: 33, n: 17, k: 65), split: false)
        }
    }

    func testSplitOverThreadsMatchesReference() {
        // Above `GEMM.splitThreshold`: once with more rows than columns (row split), once the other way.
        XCTAssertGreaterThan(301 * 40 * 200, GEMM.splitThreshold)
        forEveryBackendAndTransposePair { backend, ta, tb in
            check(backend, Case(ta: ta, tb: tb, m: 301, n: 40, k: 200), split: true)
            check(backend, Case(ta: ta, tb: tb, m: 40, n: 301, k: 200), split: true)
        }
    }

    func testRepeatedCallsAreBitIdentical() {
        var stream = RandomStream(seed: 5, factor: .initialization)
        let (m, n, k) = (200, 300, 128)
        let a = random(m * k, &stream), b = random(k * n, &stream)
        for backend in backends {
            let saved = GEMM.backend
            GEMM.backend = backend
            Threads.set(2)
            var first = [Float](repeating: 0, count: m * n), second = first
            GEMM.sgemm(.none, .none, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &first, ldc: n)
            GEMM.sgemm(.none, .none, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &second, ldc: n)
            XCTAssertEqual(first, second, backend.name)
            GEMM.backend = saved
            Threads.set(1)
        }
    }

    func testBackendNames() {
        XCTAssertEqual(GEMMBackends.named("onednn")?.name, "onednn")
        XCTAssertEqual(GEMMBackends.named("OpenBLAS")?.name, "openblas")
        XCTAssertNil(GEMMBackends.named("cublas"))
        XCTAssertEqual(GEMMBackends.names.first, "onednn")
    }
}
