import CBLAS
import CDeniCPU
#if canImport(Glibc)
import Glibc
#endif

/// How the engine's threads treat subnormal floats.
///
/// Subnormal operands cost microcode assists on Intel cores (about 100 cycles each in a product that reads
/// them); masked attention once produced them in every padded batch. The engine writes exact zeros where
/// values vanish (masked keys, exp below its range, GELU's far tail, Adam moments), and in addition runs
/// with flush-to-zero and denormals-are-zero set: a result below 2⁻¹²⁶ becomes 0 and a subnormal input reads
/// as 0. Both bits only touch values under 1.2e-38, far below anything a float32 model distinguishes from 0.
public enum FloatingPointMode: String, Sendable {
    /// FTZ and DAZ set on every engine thread (the default).
    case flushSubnormals
    /// IEEE behaviour: subnormals are produced and read as such (tests use it to prove the engine makes none).
    case ieee

    /// The mode every engine thread applies on entry (`FloatingPointMode.enter()`).
    nonisolated(unsafe) public static var engine: FloatingPointMode = .flushSubnormals

    /// Applies `engine` to the calling thread's MXCSR (a read, and a write only when it differs).
    @inline(__always)
    public static func enter() {
        let csr = deni_mxcsr_get()
        let want = engine == .flushSubnormals ? csr | DENI_MXCSR_FTZ_DAZ : csr & ~DENI_MXCSR_FTZ_DAZ
        if want != csr { deni_mxcsr_set(want) }
    }

    /// Whether the calling thread currently flushes subnormals (both bits set).
    public static var currentThreadFlushes: Bool { deni_mxcsr_get() & DENI_MXCSR_FTZ_DAZ == DENI_MXCSR_FTZ_DAZ }
}

/// The processor: model, the instruction-set extensions that matter to the engine, and the kernels the
/// BLAS libraries picked for it.
public struct CPUInfo: Sendable {
    public var model: String
    public var vendor: String
    public var avx2: Bool
    public var fma: Bool
    public var avx512f: Bool
    public var avx512bw: Bool
    public var avx512vl: Bool
    public var avx512dq: Bool
    public var avx512bf16: Bool
    public var avx512fp16: Bool
    public var amxTile: Bool
    public var amxBF16: Bool

    /// The extensions as the short names `deni bench` prints.
    public var features: [String] {
        var f: [String] = []
        if avx2 { f.append("AVX2") }
        if fma { f.append("FMA") }
        if avx512f { f.append("AVX-512F") }
        if avx512bw { f.append("AVX-512BW") }
        if avx512vl { f.append("AVX-512VL") }
        if avx512bf16 { f.append("AVX512_BF16") }
        if avx512fp16 { f.append("AVX512_FP16") }
        if amxTile { f.append("AMX-TILE") }
        if amxBF16 { f.append("AMX-BF16") }
        return f
    }

    /// The processor this process runs on (CPUID, with the OS's register-state support from XCR0).
    public static let current: CPUInfo = detect()

    static func detect() -> CPUInfo {
        func cpuid(_ leaf: UInt32, _ sub: UInt32 = 0) -> (UInt32, UInt32, UInt32, UInt32) {
            var r: [UInt32] = [0, 0, 0, 0]
            _ = r.withUnsafeMutableBufferPointer { deni_cpuid(leaf, sub, $0.baseAddress!) }
            return (r[0], r[1], r[2], r[3])
        }
        func bit(_ v: UInt32, _ b: UInt32) -> Bool { v & (1 << b) != 0 }
        let (_, vb, vc, vd) = cpuid(0)
        let vendor = [vb, vd, vc].map { w in String(decoding: (0..<4).map { UInt8(truncatingIfNeeded: w >> ($0 * 8)) }, as: UTF8.self) }.joined()
        var brand: [UInt8] = []
        for leaf: UInt32 in [0x8000_0002, 0x8000_0003, 0x8000_0004] {
            let (a, b, c, d) = cpuid(leaf)
            for w in [a, b, c, d] { for i in 0..<4 { brand.append(UInt8(truncatingIfNeeded: w >> (i * 8))) } }
        }
        let model = String(decoding: brand.prefix { $0 != 0 }, as: UTF8.self).trimmed(" ")
        let xcr0 = deni_xcr0()
        let osAVX = xcr0 & 0x6 == 0x6, osAVX512 = osAVX && xcr0 & 0xE0 == 0xE0, osAMX = xcr0 & 0x6_0000 == 0x6_0000
        let (_, _, c1, _) = cpuid(1)
        let (_, b7, _, d7) = cpuid(7)
        let (a71, _, _, _) = cpuid(7, 1)
        return CPUInfo(model: model.isEmpty ? "unknown CPU" : model, vendor: vendor,
                       avx2: osAVX && bit(b7, 5), fma: osAVX && bit(c1, 12),
                       avx512f: osAVX512 && bit(b7, 16), avx512bw: osAVX512 && bit(b7, 30),
                       avx512vl: osAVX512 && bit(b7, 31), avx512dq: osAVX512 && bit(b7, 17),
                       avx512bf16: osAVX512 && bit(a71, 5), avx512fp16: osAVX512 && bit(d7, 23),
                       amxTile: osAMX && bit(d7, 24), amxBF16: osAMX && bit(d7, 22))
    }
}

extension String {
    fileprivate func trimmed(_ set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}

/// OpenBLAS's kernel choice. Its dynamic-architecture build picks a kernel family from the CPU model in a
/// load-time constructor; a model it does not know (a newer Xeon for Debian's 0.3.21) gets the generic SSE3
/// `Prescott` kernel, 5-10× slower than the AVX2/AVX-512 ones. `OPENBLAS_CORETYPE` overrides the choice but is
/// read only in that constructor, so the workbench re-executes itself with it set (`deni` does this at start).
public enum OpenBLASCore {
    /// The kernel family OpenBLAS uses in this process.
    public static var name: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// Kernel families of Debian's OpenBLAS 0.3.21 by capability: 0 = generic (SSE-era), 1 = AVX,
    /// 2 = AVX2 + FMA, 3 = AVX-512, 4 = AVX-512 + BF16. Unknown names rank as capable (never overridden).
    static func rank(_ core: String) -> Int {
        switch core.lowercased() {
        case "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "nano", "katmai", "coppermine", "northwood",
             "banias", "athlon", "opteron", "opteron_sse3", "barcelona", "bobcat": 0
        case "sandybridge", "bulldozer", "piledriver", "steamroller": 1
        case "haswell", "zen", "excavator": 2
        case "skylakex": 3
        case "cooperlake": 4
        default: 5
        }
    }

    /// The `OPENBLAS_CORETYPE` to run with when OpenBLAS picked a generic kernel (`core`) on a CPU that has
    /// a better one, else nil. Only a fall-back is corrected: a capable choice (e.g. Zen on an AVX-512 AMD) stays.
    public static func override(core: String, cpu: CPUInfo) -> String? {
        guard rank(core) <= 1 else { return nil }
        let best: String?
        if cpu.avx512f && cpu.avx512bw && cpu.avx512vl && cpu.avx512dq {
            best = cpu.avx512bf16 ? "Cooperlake" : "SkylakeX"
        } else if cpu.avx2 && cpu.fma {
            best = "Haswell"
        } else {
            best = nil
        }
        guard let best, rank(best) > rank(core) else { return nil }
        return best
    }

    /// Re-executes this program with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to a generic kernel on a
    /// CPU with a better one. Does nothing when the variable is already set (by the user or by a first
    /// re-execution) or when exec fails (the process then goes on with the generic kernel).
    public static func reexecIfGeneric() {
        guard getenv("OPENBLAS_CORETYPE") == nil, let core = override(core: name, cpu: CPUInfo.current) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        let args = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", args)
        // exec failed: carry on with the generic kernel.
        for a in args { free(a) }
    }
}
