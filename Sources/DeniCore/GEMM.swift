import CBLAS
import Synchronization
import Dispatch

/// Whether a GEMM operand is used as stored or transposed.
public enum Transpose: Sendable { case none, transpose }

/// A backend for single-precision matrix products. All matrices are row-major.
///
/// `C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C`, with leading dimensions in elements.
/// Backends (GEMMBackends.swift): oneDNN (default) and OpenBLAS, chosen by `DENI_GEMM` or `GEMM.backend`; in bf16
/// precision (`GEMM.use(.bf16)`, BF16Products.swift) oneDNN's bf16 matmul computes every product instead.
/// Every backend computes one call on the calling thread; `GEMM` does the splitting over threads.
public protocol GEMMBackend: Sendable {
    var name: String { get }
    /// The kernel family the library runs on this CPU (e.g. "avx2", "Haswell"), for benchmarks and sessions.
    var kernel: String { get }
    func sgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
               alpha: Float, a: UnsafePointer<Float>, lda: Int,
               b: UnsafePointer<Float>, ldb: Int,
               beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int)
    /// The weight copies this backend multiplies instead of float32 weights (bf16), or nil (float32 as they are).
    var preparedWeights: PreparedWeights? { get }
    /// Whether `GEMM` splits a product whose B is a weight stored k × n by rows of C, so that every thread multiplies
    /// the whole weight (true for the bf16 backends: a column block of a prepared copy would not be dense).
    var keepsWeightsWhole: Bool { get }
    /// The same product with B given also as its prepared form (`preparedWeights`' copy of B's first element).
    func sgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
               alpha: Float, a: UnsafePointer<Float>, lda: Int,
               b: UnsafePointer<Float>, ldb: Int, bPrepared: UnsafeRawPointer,
               beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int)
}

extension GEMMBackend {
    public var preparedWeights: PreparedWeights? { nil }
    public var keepsWeightsWhole: Bool { false }
    public func sgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                      alpha: Float, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int, bPrepared: UnsafeRawPointer,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

/// The project's one GEMM entry point. Counts FLOPs (2·M·N·K) of every product in `flops` (atomic).
public enum GEMM {
    /// The float32 backend (`DENI_GEMM`, `deni bench --gemm`).
    nonisolated(unsafe) public static var backend: any GEMMBackend = GEMMBackends.fromEnvironment() {
        didSet { if precision == .fp32 { products = backend } }
    }
    /// The precision of every product (`use(_:)`; fp32 unless a run asks for bf16).
    nonisolated(unsafe) public private(set) static var precision = Precision.fp32
    /// What computes the products now: `backend` in fp32, the bf16 backend in bf16. Sessions and benchmarks
    /// record its name ("onednn", "openblas", "onednn-bf16", "bf16-emulated").
    nonisolated(unsafe) public private(set) static var products: any GEMMBackend = backend
    nonisolated(unsafe) private static var bf16: OneDNNBF16Backend?

    /// Runs every later product in `precision`. bf16 throws, naming what is missing, where the CPU has no bf16
    /// instructions (unless `DENI_BF16=emulate` asks for the float32 emulation of bf16 products).
    public static func use(_ precision: Precision) throws(PrecisionError) {
        switch precision {
        case .fp32:
            products = backend
        case .bf16 where Precision.emulationRequested:
            products = BF16EmulationBackend(base: backend)
        case .bf16:
            if bf16 == nil { bf16 = try OneDNNBF16Backend() }
            products = bf16!
        }
        self.precision = precision
        // Weight copies the new products do not read go (a sweep may vary the precision).
        PreparedWeights.releaseAll(except: products.preparedWeights)
    }

    /// The name of what `use(precision)` makes compute the products (sessions record it before any product runs).
    public static func productsName(_ precision: Precision) -> String {
        switch precision {
        case .fp32: backend.name
        case .bf16: Precision.emulationRequested ? BF16EmulationBackend.backendName : OneDNNBF16Backend.backendName
        }
    }
    private static let counter = Atomic<Int>(0)
    /// FLOPs of every GEMM since the process started (2·M·N·K each).
    public static var flops: Int { counter.load(ordering: .relaxed) }

    /// Products smaller than this (in multiply-adds) run on the calling thread.
    public static let splitThreshold = 1 << 21

    /// C = alpha·op(A)·op(B) + beta·C. Large products are split into `Threads.count` blocks of rows or
    /// columns of C, each computed by a single-threaded BLAS call on its own thread (the partition depends
    /// only on the shape, the thread count and the backend, so results are deterministic for a thread layout).
    /// `bWeight` names B when it is a model weight (`b` its first element, contiguous, `ldb` its row length): a bf16
    /// backend then multiplies its prepared copy, made once per version of the weight's buffer, instead of rounding B
    /// in every product.
    @inline(__always)
    public static func sgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int, bWeight: WeightOperand? = nil,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        counter.add(2 &* m &* n &* k, ordering: .relaxed)
        let products = self.products
        // The weight's prepared copy, made (if stale) on this thread before any split.
        let prepared = bWeight.flatMap { w in products.preparedWeights?.prepared(w, b) }
        let parts = Threads.count
        if parts <= 1 || m &* n &* k < splitThreshold || Threads.isInsideParallelRegion {
            run(products, transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, prepared, 0,
                beta: beta, c: c, ldc: ldc)
            return
        }
        let backend = UncheckedSendable(products)
        let (pa, pb, pc) = (UncheckedSendable(a), UncheckedSendable(b), UncheckedSendable(c))
        if n >= m && !(bWeight != nil && transB == .none && products.keepsWeightsWhole) {
            // Split the columns of C: B's rows (transposed) or columns (not transposed).
            let size = (n + parts - 1) / parts
            Threads.parallel(parts) { p in
                let j0 = p * size, j1 = min(n, j0 + size)
                guard j0 < j1 else { return }
                let bOff = transB == .transpose ? j0 * ldb : j0
                run(backend.value, transA, transB, m: m, n: j1 - j0, k: k, alpha: alpha, a: pa.value, lda: lda,
                    b: pb.value + bOff, ldb: ldb, prepared, bOff, beta: beta, c: pc.value + j0, ldc: ldc)
            }
        } else {
            // Split the rows of C: A's rows (not transposed) or columns (transposed).
            let size = (m + parts - 1) / parts
            Threads.parallel(parts) { p in
                let i0 = p * size, i1 = min(m, i0 + size)
                guard i0 < i1 else { return }
                let aOff = transA == .transpose ? i0 : i0 * lda
                run(backend.value, transA, transB, m: i1 - i0, n: n, k: k, alpha: alpha, a: pa.value + aOff, lda: lda,
                    b: pb.value, ldb: ldb, prepared, 0, beta: beta, c: pc.value + i0 * ldc, ldc: ldc)
            }
        }
    }

    /// One backend call; B's prepared copy (if any) advanced by `bOff` elements like B itself.
    @inline(__always)
    private static func run(_ backend: any GEMMBackend, _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                            alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            _ prepared: PreparedOperand?, _ bOff: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if let prepared {
            backend.sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                          bPrepared: prepared.advanced(by: bOff), beta: beta, c: c, ldc: ldc)
        } else {
            backend.sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }
}

/// Thread layout for BLAS and the elementwise kernels. Same seeds + same layout ⇒ bit-identical runs.
public enum Threads {
    nonisolated(unsafe) public private(set) static var count: Int = 1

    /// Sets the number of threads used by GEMM and by `parallelFor`. BLAS itself always runs one thread per
    /// call (its spinning worker threads would compete with ours); large products are split by `GEMM`.
    public static func set(_ n: Int) {
        count = max(1, n)
        openblas_set_num_threads(1)
    }

    /// True on a thread that is running a block of `parallel` (nested work then runs serially).
    public static var isInsideParallelRegion: Bool { insideParallel }
    nonisolated(unsafe) static var depthKey: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()
    static var insideParallel: Bool { pthread_getspecific(depthKey) != nil }

    /// Runs body(0..<parts) concurrently, marking the worker threads as inside a parallel region. Each block
    /// first applies the engine's floating-point mode (flush-to-zero) to the thread it runs on.
    public static func parallel(_ parts: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escaping in
            let box = UncheckedSendable(escaping)
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                FloatingPointMode.enter()
                let key = depthKey
                let was = pthread_getspecific(key)
                pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1))
                box.value(p)
                pthread_setspecific(key, was)
            }
        }
    }

}

#if canImport(Glibc)
import Glibc
#endif
