import XCTest
import Synchronization
@testable import DeniCore

/// The floating-point mode reaches every engine thread; the CPU is identified; OpenBLAS's generic fall-back is
/// corrected to the kernel the CPU can run, and only then.
final class CPUTests: XCTestCase {
    override func tearDown() { FloatingPointMode.engine = .flushSubnormals; FloatingPointMode.enter() }

    func testEngineThreadsApplyTheMode() {
        Threads.set(2)
        for mode in [FloatingPointMode.flushSubnormals, .ieee, .flushSubnormals] {
            FloatingPointMode.engine = mode
            FloatingPointMode.enter()
            let flushing = Mutex<[Bool]>([])
            Threads.parallel(4) { _ in flushing.withLock { $0.append(FloatingPointMode.currentThreadFlushes) } }
            XCTAssertEqual(flushing.withLock { $0 }, [Bool](repeating: mode == .flushSubnormals, count: 4), "\(mode)")
            // What the hardware then does with a product below the smallest normal float.
            let operands = FloatBuffer([Float.leastNormalMagnitude, 0.5, 0])   // in memory: no constant folding
            Threads.parallel(1) { _ in operands[2] = operands[0] * operands[1] }
            let product = operands[2]
            XCTAssertEqual(product == 0, mode == .flushSubnormals, "\(mode): 2⁻¹²⁶ × 0.5 = \(product)")
        }
    }

    func testCPUIdentified() {
        let cpu = CPUInfo.current
        XCTAssertFalse(cpu.model.isEmpty)
        XCTAssertEqual(cpu.vendor.count, 12, "CPUID vendor string: \(cpu.vendor)")
        // Every x86-64 machine this project runs on has AVX2 and FMA (/proc/cpuinfo agrees with CPUID).
        if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) {
            let have = Set(flags.split(separator: " ").map(String.init))
            XCTAssertEqual(cpu.avx2, have.contains("avx2"))
            XCTAssertEqual(cpu.avx512f, have.contains("avx512f"))
            XCTAssertEqual(cpu.avx512bf16, have.contains("avx512_bf16"))
            XCTAssertEqual(cpu.amxTile, have.contains("amx_tile"))
        }
    }

    func testOpenBLASOverride() {
        func cpu(avx2: Bool = true, avx512: Bool = false, bf16: Bool = false) -> CPUInfo {
            CPUInfo(model: "test", vendor: "GenuineIntel", avx2: avx2, fma: avx2, avx512f: avx512, avx512bw: avx512, avx512vl: avx512,
                    avx512dq: avx512, avx512bf16: bf16, avx512fp16: false, amxTile: false, amxBF16: false)
        }
        // The Xeon: AVX-512 with BF16, unknown to OpenBLAS 0.3.21 → Prescott; Cooperlake is right.
        XCTAssertEqual(OpenBLASCore.override(core: "Prescott", cpu: cpu(avx512: true, bf16: true)), "Cooperlake")
        XCTAssertEqual(OpenBLASCore.override(core: "Prescott", cpu: cpu(avx512: true)), "SkylakeX")
        XCTAssertEqual(OpenBLASCore.override(core: "Nehalem", cpu: cpu()), "Haswell")
        XCTAssertEqual(OpenBLASCore.override(core: "Sandybridge", cpu: cpu()), "Haswell")
        // A capable choice is never overridden, even where a wider kernel exists (Zen on an AVX-512 AMD).
        XCTAssertNil(OpenBLASCore.override(core: "Zen", cpu: cpu(avx512: true, bf16: true)))
        XCTAssertNil(OpenBLASCore.override(core: "Haswell", cpu: cpu()))
        XCTAssertNil(OpenBLASCore.override(core: "SkylakeX", cpu: cpu(avx512: true, bf16: true)))
        // Nothing better to offer on a CPU without AVX2.
        XCTAssertNil(OpenBLASCore.override(core: "Prescott", cpu: cpu(avx2: false)))
        // This process: OpenBLAS runs a kernel at least as capable as the CPU's AVX2 level.
        if CPUInfo.current.avx2 && ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil {
            XCTAssertNil(OpenBLASCore.override(core: OpenBLASCore.name, cpu: CPUInfo.current),
                         "OpenBLAS fell back to \(OpenBLASCore.name) here; `deni` re-executes with OPENBLAS_CORETYPE set")
        }
    }
}
