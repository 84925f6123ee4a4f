import CBLAS
import Synchronization

/// Whether a GEMM operand is used as stored or transposed.
public enum Transpose: Sendable { case none, transpose }

/// A backend for single-precision matrix products. All matrices are row-major.
///
/// `C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C`, with leading dimensions in elements.
/// A second backend (oneDNN, bf16) conforms to this protocol and is selected through `GEMM.backend`.
public protocol GEMMBackend: Sendable {
    var name: String { get }
    func sgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
               alpha: Float, a: UnsafePointer<Float>, lda: Int,
               b: UnsafePointer<Float>, ldb: Int,
               beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int)
}

/// OpenBLAS `cblas_sgemm`.
public struct OpenBLASBackend: GEMMBackend {
    public init() {}
    public var name: String { "openblas" }
    @inline(__always)
    public func sgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                      alpha: Float, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor,
                    transA == .none ? CblasNoTrans : CblasTrans,
                    transB == .none ? CblasNoTrans : CblasTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

/// The project's one GEMM entry point. Counts FLOPs (2·M·N·K) of every product in `flops` (atomic).
public enum GEMM {
    nonisolated(unsafe) public static var backend: any GEMMBackend = OpenBLASBackend()
    private static let counter = Atomic<Int>(0)
    /// FLOPs of every GEMM since the process started (2·M·N·K each).
    public static var flops: Int { counter.load(ordering: .relaxed) }

    @inline(__always)
    public static func sgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        counter.add(2 &* m &* n &* k, ordering: .relaxed)
        backend.sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                      beta: beta, c: c, ldc: ldc)
    }
}

/// Thread layout for BLAS and the elementwise kernels. Same seeds + same layout ⇒ bit-identical runs.
public enum Threads {
    nonisolated(unsafe) public private(set) static var count: Int = 1

    /// Sets the number of threads used by BLAS and by `parallelFor`.
    public static func set(_ n: Int) {
        count = max(1, n)
        openblas_set_num_threads(Int32(count))
    }

    public static var available: Int {
        #if canImport(Glibc)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 2
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
