import CDeniBF16
import CDNNL
import Synchronization

/// bf16 products through oneDNN's matmul primitive: bf16 operands, float32 accumulation and output. Activations are
/// packed from the float32 tensors inside each call; a weight (`GEMM.sgemm`'s `bWeight`) is multiplied from its bf16
/// copy in `PreparedWeights.bf16`, packed once per version of its buffer. One primitive per shape, created at its
/// first use and kept for the process; each thread executes it on its own stream with its own scratchpad, so `GEMM`'s
/// split over threads runs concurrently and deterministically.
public final class OneDNNBF16Backend: GEMMBackend, @unchecked Sendable {
    struct Shape: Hashable {
        let transA: Bool, transB: Bool
        let m: Int, n: Int, k: Int, ldc: Int
        let alpha: Float, beta: Float
    }
    /// Primitive addresses by shape (`deni_bf16_matmul *`, never freed: one per shape for the process).
    private let primitives = Mutex<[Shape: Int]>([:])

    public let preparedWeights: PreparedWeights?
    public var keepsWeightsWhole: Bool { true }

    /// The backend, or why oneDNN cannot run bf16 products on this CPU. `preparesWeights: false` packs weights inside
    /// every product like activations (for tests that compare the two).
    public init(preparesWeights: Bool = true) throws(PrecisionError) {
        preparedWeights = preparesWeights ? PreparedWeights.bf16 : nil
        if let reason = Precision.bf16.hardwareReason() { throw PrecisionError(description: reason) }
        do { _ = try primitive(Shape(transA: false, transB: true, m: 16, n: 16, k: 16, ldc: 16, alpha: 1, beta: 0)) } catch {
            throw PrecisionError(description: "oneDNN \(Self.version) creates no bf16 matmul on this \(CPUInfo.current.model): \(error)")
        }
    }

    static var version: String {
        let v = dnnl_version().pointee
        return "\(v.major).\(v.minor).\(v.patch)"
    }

    public static let backendName = "onednn-bf16"
    public var name: String { Self.backendName }
    /// oneDNN's implementation for a typical projection (e.g. "brg:avx512_core_amx").
    public var kernel: String {
        let impl = (try? primitive(Shape(transA: false, transB: true, m: 400, n: 384, k: 384, ldc: 384, alpha: 1, beta: 0)))
            .map { String(cString: deni_bf16_matmul_impl($0)) } ?? "none"
        return "\(impl) bf16 (oneDNN \(Self.version))"
    }

    func primitive(_ shape: Shape) throws(PrecisionError) -> OpaquePointer {
        if let p = primitives.withLock({ $0[shape] }) { return OpaquePointer(bitPattern: p)! }
        var status: Int32 = 0
        guard let p = deni_bf16_matmul_create(shape.transA ? 1 : 0, shape.transB ? 1 : 0, Int64(shape.m), Int64(shape.n), Int64(shape.k),
                                              Int64(shape.ldc), shape.alpha, shape.beta, &status) else {
            throw PrecisionError(description: "no bf16 matmul for \(shape.m)×\(shape.n)×\(shape.k) (oneDNN status \(status))")
        }
        // Two threads may create the same shape at once: keep the first, leak nothing but a duplicate's few bytes.
        let address = Int(bitPattern: p)
        let kept = primitives.withLock { cache -> Int in
            if let first = cache[shape] { return first }
            cache[shape] = address
            return address
        }
        return OpaquePointer(bitPattern: kept)!
    }

    public func sgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                      alpha: Float, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        multiply(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, nil, beta: beta, c: c, ldc: ldc)
    }

    public func sgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                      alpha: Float, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int, bPrepared: UnsafeRawPointer,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        // The primitive reads B dense (as the packing writes it); a prepared B with padding is packed again instead.
        let dense = ldb == (transB == .transpose ? k : n)
        multiply(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                 dense ? bPrepared.assumingMemoryBound(to: UInt16.self) : nil, beta: beta, c: c, ldc: ldc)
    }

    private func multiply(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                          alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                          _ bPrepared: UnsafePointer<UInt16>?, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if k == 0 {
            // oneDNN refuses empty reductions; C = beta·C.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        let shape = Shape(transA: transA == .transpose, transB: transB == .transpose, m: m, n: n, k: k, ldc: ldc,
                          alpha: alpha, beta: beta)
        let p: OpaquePointer
        do { p = try primitive(shape) } catch { preconditionFailure(error.description) }
        let status = deni_bf16_matmul_run(p, a, Int64(lda), b, Int64(ldb), bPrepared, c)
        // Only invalid arguments fail, and shapes come from the model's layout.
        precondition(status == 0, "bf16 matmul failed (oneDNN status \(status)) for \(m)×\(n)×\(k)")
    }
}

/// bf16 products computed as float32 products of operands rounded to bf16 (`DENI_BF16=emulate`): the same operands
/// as `OneDNNBF16Backend`, float32 accumulation in the fp32 backend's order. Runs on any CPU, slower than float32; it
/// stands in for bf16 hardware in tests and in accuracy checks on machines without it.
public struct BF16EmulationBackend: GEMMBackend {
    public let base: any GEMMBackend
    public let preparedWeights: PreparedWeights?
    /// `preparesWeights: false` rounds weights inside every product like activations (for tests that compare the two).
    public init(base: any GEMMBackend, preparesWeights: Bool = true) {
        self.base = base
        preparedWeights = preparesWeights ? PreparedWeights.bf16Rounded : nil
    }
    public var keepsWeightsWhole: Bool { true }
    public static let backendName = "bf16-emulated"
    public var name: String { Self.backendName }
    public var kernel: String { "float32 \(base.name) on bf16-rounded operands" }

    public func sgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                      alpha: Float, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        // Each operand as stored: A is m × k (k × m transposed), B is k × n (n × k transposed); copies are contiguous.
        let (aRows, aCols) = transA == .none ? (m, k) : (k, m)
        let (bRows, bCols) = transB == .none ? (k, n) : (n, k)
        let ra = deni_bf16_rounded(0, a, aRows, aCols, lda)!
        let rb = deni_bf16_rounded(1, b, bRows, bCols, ldb)!
        base.sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: ra, lda: max(1, aCols), b: rb, ldb: max(1, bCols),
                   beta: beta, c: c, ldc: ldc)
    }

    public func sgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                      alpha: Float, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int, bPrepared: UnsafeRawPointer,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let (aRows, aCols) = transA == .none ? (m, k) : (k, m)
        let ra = deni_bf16_rounded(0, a, aRows, aCols, lda)!
        base.sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: ra, lda: max(1, aCols),
                   b: bPrepared.assumingMemoryBound(to: Float.self), ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

extension PreparedWeights {
    /// Weights as bf16 bits, for oneDNN's bf16 matmul.
    public static let bf16 = PreparedWeights(elementBytes: 2) { source, count, out in
        deni_bf16_pack(source, 1, count, count, out.assumingMemoryBound(to: UInt16.self))
    }
    /// Weights as float32 values rounded to bf16, for the emulation.
    public static let bf16Rounded = PreparedWeights(elementBytes: 4) { source, count, out in
        deni_bf16_round(source, 1, count, count, out.assumingMemoryBound(to: Float.self))
    }
}
