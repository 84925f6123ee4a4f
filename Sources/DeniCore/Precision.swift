#if canImport(Glibc)
import Glibc
#endif

/// The precision of the engine's matrix products.
///
/// - `fp32`: every product in float32 (the default).
/// - `bf16`: every product's operands rounded to bfloat16, products accumulated and written in float32 (oneDNN's
///   matmul primitive). Everything else stays float32: master weights, Adam state, LayerNorm, softmax, GELU, losses,
///   DENI's noise and interpolation. Activations are rounded inside each product; weights are multiplied from bf16
///   copies (`PreparedWeights`) remade whenever their float32 buffer is marked changed — at the start of every forward
///   pass for the trainable weights, so no optimiser step, noise draw or interpolation can leave one stale.
public enum Precision: String, Codable, CaseIterable, Sendable {
    case fp32, bf16
}

/// Why a precision cannot run here.
public struct PrecisionError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

extension Precision {
    /// `DENI_BF16=emulate`: bf16 products as float32 products of operands rounded to bf16 (the same numbers up to the
    /// order of the float32 sums). A development aid for CPUs without bf16 instructions — slower than fp32 and never
    /// chosen unless this variable asks for it; sessions record it (`BF16EmulationBackend.backendName`).
    public static var emulationRequested: Bool { getenv("DENI_BF16").map { String(cString: $0) } == "emulate" }

    /// Why `cpu` has no instructions for this precision, or nil. bf16 needs AVX512_BF16 or AMX-BF16: oneDNN 2.6 has
    /// no bf16 products on AVX2, and its emulation on AVX-512 without BF16 is slower than float32.
    public func hardwareReason(on cpu: CPUInfo = .current) -> String? {
        guard self == .bf16, !(cpu.avx512bf16 || cpu.amxBF16) else { return nil }
        return "precision bf16 needs a CPU with AVX512_BF16 or AMX-BF16; this \(cpu.model) has neither (it has \(cpu.features.joined(separator: " "))) — use precision fp32"
    }

    /// Why this precision cannot run here, or nil: `hardwareReason`, unless `DENI_BF16=emulate` asks for emulation.
    public func unsupportedReason(on cpu: CPUInfo = .current) -> String? {
        self == .bf16 && Self.emulationRequested ? nil : hardwareReason(on: cpu)
    }

    /// The precisions this machine runs, for `deni bench` and Setup.
    public static func supported(on cpu: CPUInfo = .current) -> [Precision] {
        allCases.filter { $0.unsupportedReason(on: cpu) == nil }
    }
}
