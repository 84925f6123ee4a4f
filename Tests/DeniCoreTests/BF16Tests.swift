import XCTest
import CDeniBF16
import CDNNL
import Foundation
@testable import DeniCore

/// Round to nearest, ties to even, computed from the two bf16 neighbours' distances in Double (not from bit tricks).
func referenceRound(_ x: Float) -> Float {
    let bits = x.bitPattern
    if x.isNaN { return x }
    if x.isSubnormal || x == 0 { return x.sign == .minus ? -0.0 : 0.0 }
    if x.isInfinite { return x }
    let lower = bits & 0xffff_0000, upper = lower &+ 0x1_0000
    func value(_ b: UInt32) -> Double {
        // The step past the largest bf16 is 2^128 (overflow rounds to infinity when nearer to it).
        b & 0x7fff_ffff == 0x7f80_0000 ? (b >> 31 == 1 ? -0x1p128 : 0x1p128) : Double(Float(bitPattern: b))
    }
    let dl = abs(Double(x) - value(lower)), du = abs(value(upper) - Double(x))
    let pick = dl < du ? lower : du < dl ? upper : (lower & 0x1_0000 == 0 ? lower : upper)
    return Float(bitPattern: pick)
}

/// bf16 precision: the rounding against an independent reference, the emulated products against a Double reference
/// on rounded operands, oneDNN's bf16 matmul against the same reference where the CPU has bf16 instructions, and the
/// refusal where it has none.
final class BF16Tests: XCTestCase {
    private func rounded(_ values: [Float]) -> [Float] {
        var out = [Float](repeating: .nan, count: values.count)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { deni_bf16_round(src.baseAddress, 1, values.count, values.count, $0.baseAddress) }
        }
        return out
    }

    func testRoundingMatchesIndependentReference() {
        var values: [Float] = [0, -0, 1, -1, 1.00390625, 1.005859375, 1.0078125, 3.0e38, -3.0e38, .greatestFiniteMagnitude,
                               -.greatestFiniteMagnitude, .infinity, -.infinity, .leastNormalMagnitude, .leastNonzeroMagnitude,
                               -.leastNonzeroMagnitude, Float(bitPattern: 0x3f80_8000), Float(bitPattern: 0x3f81_8000),
                               Float(bitPattern: 0x7f7f_8000), Float(bitPattern: 0x7f7f_7fff), Float.pi, -Float.ulpOfOne]
        var r = RandomStream(seed: 11, factor: .noise)
        // Every exponent and sign: random bit patterns, NaNs set aside below.
        for _ in 0..<200_000 { values.append(Float(bitPattern: UInt32(truncatingIfNeeded: r.next()))) }
        let got = rounded(values)
        var mismatches = 0
        for (x, y) in zip(values, got) {
            if x.isNaN {
                XCTAssertTrue(y.isNaN, "NaN \(String(x.bitPattern, radix: 16)) must stay NaN")
                XCTAssertNotEqual(y.bitPattern & 0x0040_0000, 0, "NaN becomes a quiet NaN")
                XCTAssertEqual(y.sign, x.sign)
                continue
            }
            XCTAssertEqual(y.bitPattern & 0xffff, 0, "a bf16 value has no low mantissa bits")
            let want = referenceRound(x)
            if want.bitPattern != y.bitPattern {
                mismatches += 1
                if mismatches < 5 { XCTFail("\(x) (\(String(x.bitPattern, radix: 16))) → \(y), want \(want)") }
            }
        }
        XCTAssertEqual(mismatches, 0)
        // Ties go to even: 1 + 2⁻⁸ sits halfway between 1 and 1 + 2⁻⁷.
        XCTAssertEqual(rounded([1.00390625, 1.01171875]), [1, 1.015625])
    }

    func testPackHoldsTheRoundedValuesOfAStridedMatrix() {
        var r = RandomStream(seed: 3, factor: .noise)
        let (rows, cols, ld) = (7, 13, 16)
        let src = (0..<(rows * ld)).map { _ in r.nextNormal() * 10 }
        var packed = [UInt16](repeating: 0xdead, count: rows * cols), round = [Float](repeating: .nan, count: rows * cols)
        src.withUnsafeBufferPointer { s in
            packed.withUnsafeMutableBufferPointer { deni_bf16_pack(s.baseAddress, rows, cols, ld, $0.baseAddress) }
            round.withUnsafeMutableBufferPointer { deni_bf16_round(s.baseAddress, rows, cols, ld, $0.baseAddress) }
        }
        for i in 0..<rows {
            for j in 0..<cols {
                XCTAssertEqual(UInt32(packed[i * cols + j]) << 16, round[i * cols + j].bitPattern)
                XCTAssertEqual(round[i * cols + j], referenceRound(src[i * ld + j]))
            }
        }
    }

    // MARK: products

    private struct Case { var ta: Transpose; var tb: Transpose; var m, n, k: Int }

    /// Runs `backend` through `GEMM` on random operands with padded leading dimensions and alpha/beta, and returns the
    /// worst error against Double references on bf16-rounded operands and on the operands as given.
    private func errors(_ backend: any GEMMBackend, _ c: Case, split: Bool) -> (rounded: Double, exact: Double) {
        var stream = RandomStream(seed: UInt64(c.m * 31 + c.n * 7 + c.k), factor: .initialization)
        let pad = 3
        let aRows = c.ta == .none ? c.m : c.k, aCols = c.ta == .none ? c.k : c.m
        let bRows = c.tb == .none ? c.k : c.n, bCols = c.tb == .none ? c.n : c.k
        let lda = aCols + pad, ldb = bCols + pad, ldc = c.n + pad
        let a = (0..<(aRows * lda)).map { _ in stream.nextFloat() * 2 - 1 }, b = (0..<(bRows * ldb)).map { _ in stream.nextFloat() * 2 - 1 }
        let cIn = (0..<(c.m * ldc)).map { _ in stream.nextFloat() * 2 - 1 }
        let (alpha, beta): (Float, Float) = (0.75, 0.5)
        var got = cIn
        let saved = GEMM.backend
        GEMM.backend = backend
        Threads.set(split ? 2 : 1)
        defer { GEMM.backend = saved; Threads.set(1) }
        GEMM.sgemm(c.ta, c.tb, m: c.m, n: c.n, k: c.k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &got, ldc: ldc)
        func reference(_ a: [Float], _ b: [Float]) -> [Double] {
            var out = [Double](repeating: 0, count: c.m * ldc)
            for i in 0..<c.m {
                for j in 0..<c.n {
                    var s = 0.0
                    for p in 0..<c.k {
                        s += Double(c.ta == .none ? a[i * lda + p] : a[p * lda + i]) * Double(c.tb == .none ? b[p * ldb + j] : b[j * ldb + p])
                    }
                    out[i * ldc + j] = Double(alpha) * s + Double(beta) * Double(cIn[i * ldc + j])
                }
            }
            return out
        }
        let onRounded = reference(a.map(referenceRound), b.map(referenceRound)), onExact = reference(a, b)
        var worst = (0.0, 0.0)
        for i in 0..<c.m {
            for j in 0..<ldc {
                let idx = i * ldc + j
                if j >= c.n { XCTAssertEqual(got[idx], cIn[idx], "\(backend.name) wrote padding at (\(i), \(j))"); continue }
                worst.0 = max(worst.0, abs(Double(got[idx]) - onRounded[idx]) / (1 + abs(onRounded[idx])))
                worst.1 = max(worst.1, abs(Double(got[idx]) - onExact[idx]) / (1 + abs(onExact[idx])))
            }
        }
        return worst
    }

    private func checkBF16Products(_ backend: any GEMMBackend) {
        for ta in [Transpose.none, .transpose] {
            for tb in [Transpose.none, .transpose] {
                for (c, split) in [(Case(ta: ta, tb: tb, m: 7, n: 5, k: 9), false), (Case(ta: ta, tb: tb, m: 33, n: 17, k: 65), false),
                                   (Case(ta: ta, tb: tb, m: 301, n: 40, k: 200), true), (Case(ta: ta, tb: tb, m: 40, n: 301, k: 200), true)] {
                    let e = errors(backend, c, split: split)
                    // float32 accumulation of the rounded operands' exact products…
                    XCTAssertLessThan(e.rounded, 1e-5 * Double(c.k).squareRoot(), "\(backend.name) \(c) split \(split)")
                    // …which are bf16 operands: far from the float32 products of the unrounded ones.
                    XCTAssertGreaterThan(e.exact, 1e-4, "\(backend.name) \(c): operands were not rounded to bf16")
                    XCTAssertLessThan(e.exact, 2e-2 * Double(c.k).squareRoot(), "\(backend.name) \(c)")
                }
            }
        }
    }

    func testEmulatedProductsAreFloat32ProductsOfRoundedOperands() {
        checkBF16Products(BF16EmulationBackend(base: OneDNNBackend()))
        checkBF16Products(BF16EmulationBackend(base: OpenBLASBackend()))
    }

    /// oneDNN's bf16 matmul where this CPU has AVX512_BF16 or AMX-BF16; skipped (naming why) elsewhere.
    func nativeBackend() throws -> OneDNNBF16Backend {
        do { return try OneDNNBF16Backend() } catch { throw XCTSkip("no native bf16 products here: \(error.description)") }
    }

    func testNativeProductsAreFloat32AccumulationsOfRoundedOperands() throws {
        let backend = try nativeBackend()
        checkBF16Products(backend)
        print("bf16 kernel: \(backend.kernel)")
    }

    func testNativeProductsAreBitIdenticalRepeated() throws {
        let backend = try nativeBackend()
        var stream = RandomStream(seed: 5, factor: .initialization)
        let (m, n, k) = (200, 300, 128)
        let a = (0..<(m * k)).map { _ in stream.nextFloat() - 0.5 }, b = (0..<(k * n)).map { _ in stream.nextFloat() - 0.5 }
        let saved = GEMM.backend
        GEMM.backend = backend
        Threads.set(2)
        defer { GEMM.backend = saved; Threads.set(1) }
        var first = [Float](repeating: 0, count: m * n), second = first
        GEMM.sgemm(.none, .none, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &first, ldc: n)
        GEMM.sgemm(.none, .none, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &second, ldc: n)
        XCTAssertEqual(first, second)
    }

    /// A product runs on the thread that calls it: oneDNN starts no OpenMP team for it, even when the thread that
    /// creates its primitive has OpenMP's default count (the machine's cores) rather than one.
    func testNativeProductsStartNoThreadsOfTheirOwn() throws {
        let backend = try nativeBackend()
        // A shape no other test multiplies, so that its primitive is created on the fresh thread below.
        let (m, n, k) = (320, 192, 160)
        let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
        nonisolated(unsafe) let c = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
        defer { c.deallocate() }
        nonisolated(unsafe) var started = -1
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            omp_set_num_threads(4)   // a fresh thread's count on a 4-core machine
            let before = Self.threadCount()
            backend.sgemm(.none, .none, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0, c: c, ldc: n)
            started = Self.threadCount() - before
            done.signal()
        }
        thread.start()
        done.wait()
        XCTAssertEqual(started, 0, "a bf16 product started \(started) threads")
        XCTAssertEqual(c[0], Float(k) * 0.125)
    }

    static func threadCount() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0 }

    // MARK: refusal

    private func cpu(bf16: Bool, amx: Bool) -> CPUInfo {
        CPUInfo(model: "Test CPU 9000", vendor: "AuthenticAMD", avx2: true, fma: true, avx512f: bf16, avx512bw: bf16, avx512vl: bf16,
                avx512dq: bf16, avx512bf16: bf16, avx512fp16: false, amxTile: amx, amxBF16: amx)
    }

    func testBF16IsRefusedNamingTheMissingFeature() throws {
        let reason = try XCTUnwrap(Precision.bf16.hardwareReason(on: cpu(bf16: false, amx: false)))
        for part in ["AVX512_BF16", "AMX-BF16", "Test CPU 9000", "AVX2 FMA", "fp32"] { XCTAssertTrue(reason.contains(part), "\(part) in: \(reason)") }
        XCTAssertNil(Precision.bf16.hardwareReason(on: cpu(bf16: true, amx: false)))
        XCTAssertNil(Precision.bf16.hardwareReason(on: cpu(bf16: false, amx: true)))
        XCTAssertNil(Precision.fp32.hardwareReason(on: cpu(bf16: false, amx: false)))
        XCTAssertEqual(Precision.supported(on: cpu(bf16: true, amx: false)), [.fp32, .bf16])

        // This machine: bf16 runs exactly where the CPU has the instructions; a refusal leaves fp32 in place.
        let here = CPUInfo.current
        guard !(here.avx512bf16 || here.amxBF16), !Precision.emulationRequested else {
            try GEMM.use(.bf16)
            XCTAssertEqual(GEMM.precision, .bf16)
            try GEMM.use(.fp32)
            XCTAssertEqual(GEMM.products.name, GEMM.backend.name)
            return
        }
        XCTAssertThrowsError(try GEMM.use(.bf16)) { XCTAssertTrue("\($0)".contains("AVX512_BF16"), "\($0)") }
        XCTAssertEqual(GEMM.precision, .fp32)
        XCTAssertEqual(GEMM.products.name, GEMM.backend.name)
        XCTAssertEqual(Precision.supported(), [.fp32])
    }
}
