import CBLAS
import CDNNL
#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS `cblas_sgemm`, single-threaded per call (`Threads.set` pins it).
public struct OpenBLASBackend: GEMMBackend {
    public init() {}
    public var name: String { "openblas" }
    public var kernel: String { OpenBLASCore.name }
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

/// oneDNN's row-major `dnnl_sgemm` (Debian libdnnl-dev). Its Debian build parallelises with OpenMP; the
/// calling thread's OpenMP team size is set to one before each call so that it never starts threads of its
/// own beside ours. On this project's 2-core AVX-512 machine it runs our shapes 6-10 % faster than OpenBLAS
/// (docs/performance.md). Results are deterministic for a thread layout, like OpenBLAS's.
public struct OneDNNBackend: GEMMBackend {
    public init() {}
    public var name: String { "onednn" }
    /// oneDNN's JIT instruction set on this CPU (its sgemm kernels are generated for it at run time).
    public var kernel: String {
        let v = dnnl_version().pointee
        let isa: String = switch dnnl_get_effective_cpu_isa().rawValue {
        case 0x1: "sse41"
        case 0x3: "avx"
        case 0x7: "avx2"
        case 0x407: "avx2_vnni"
        case 0x27: "avx512_core"
        case 0x67: "avx512_core_vnni"
        case 0xe7: "avx512_core_bf16"
        case 0x3e7: "avx512_core_amx"
        case let other: "isa 0x" + String(other, radix: 16)
        }
        return "\(isa) JIT (oneDNN \(v.major).\(v.minor).\(v.patch))"
    }
    @inline(__always)
    public func sgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                      alpha: Float, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        omp_set_num_threads(1)
        let status = dnnl_sgemm(transA == .none ? CChar(UInt8(ascii: "N")) : CChar(UInt8(ascii: "T")),
                                transB == .none ? CChar(UInt8(ascii: "N")) : CChar(UInt8(ascii: "T")),
                                Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
        // Only invalid arguments fail, and `GEMM`'s callers pass shapes checked by the model's layout.
        precondition(status == dnnl_success, "dnnl_sgemm failed (status \(status.rawValue)) for \(m)×\(n)×\(k)")
    }
}

/// The GEMM backends by name.
public enum GEMMBackends {
    /// Backend names, default first.
    public static let names = ["onednn", "openblas"]

    public static func named(_ name: String) -> (any GEMMBackend)? {
        switch name.lowercased() {
        case "onednn", "dnnl": return OneDNNBackend()
        case "openblas", "blas": return OpenBLASBackend()
        default: return nil
        }
    }

    /// The backend `DENI_GEMM` names, or oneDNN. An unknown name is reported on stderr (with the valid names)
    /// and the default is used.
    public static func fromEnvironment() -> any GEMMBackend {
        guard let value = getenv("DENI_GEMM").map({ String(cString: $0) }), !value.isEmpty else { return OneDNNBackend() }
        if let backend = named(value) { return backend }
        let message = "deni: DENI_GEMM=\(value) is not a GEMM backend (\(names.joined(separator: ", "))); using \(names[0])\n"
        _ = message.withCString { write(2, $0, strlen($0)) }
        return OneDNNBackend()
    }
}
