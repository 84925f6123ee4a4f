/// The project's one source of randomness.
///
/// Every randomness factor of the protocol (split, sample, init, order, dropout, noise) owns its own
/// stream, keyed by (factor, seed). Model copies take `substream(i)`, which is derived from the stream's
/// key — never from how much of the parent has been consumed — so drawing from one stream never shifts
/// another. Generator: xoshiro256** seeded through SplitMix64. Normal draws use Box–Muller.

/// The six randomness factors of METHOD.md.
public enum RandomFactor: String, CaseIterable, Codable, Sendable {
    case split, sample, initialization = "init", order, dropout, noise

    var salt: UInt64 {
        switch self {
        case .split: 0x5350_4C49_5400_0001
        case .sample: 0x5341_4D50_4C45_0002
        case .initialization: 0x494E_4954_0000_0003
        case .order: 0x4F52_4445_5200_0004
        case .dropout: 0x4452_4F50_4F55_0005
        case .noise: 0x4E4F_4953_4500_0006
        }
    }
}

/// One seed per randomness factor; a run is identified by these six numbers.
public struct Seeds: Codable, Hashable, Sendable {
    public var split: UInt64
    public var sample: UInt64
    public var initialization: UInt64
    public var order: UInt64
    public var dropout: UInt64
    public var noise: UInt64

    public init(split: UInt64 = 0, sample: UInt64 = 0, initialization: UInt64 = 0,
                order: UInt64 = 0, dropout: UInt64 = 0, noise: UInt64 = 0) {
        self.split = split; self.sample = sample; self.initialization = initialization
        self.order = order; self.dropout = dropout; self.noise = noise
    }

    /// All six factors from one seed.
    public init(all seed: UInt64) {
        self.init(split: seed, sample: seed, initialization: seed, order: seed, dropout: seed, noise: seed)
    }

    public subscript(factor: RandomFactor) -> UInt64 {
        get {
            switch factor {
            case .split: split
            case .sample: sample
            case .initialization: initialization
            case .order: order
            case .dropout: dropout
            case .noise: noise
            }
        }
        set {
            switch factor {
            case .split: split = newValue
            case .sample: sample = newValue
            case .initialization: initialization = newValue
            case .order: order = newValue
            case .dropout: dropout = newValue
            case .noise: noise = newValue
            }
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case split, sample, initialization = "init", order, dropout, noise }
    /// The keys of a seeds object (a config refuses any other).
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    /// The stream of one factor.
    public func stream(_ factor: RandomFactor) -> RandomStream {
        RandomStream(seed: self[factor], factor: factor)
    }
}

@inline(__always) func splitMix64(_ x: inout UInt64) -> UInt64 {
    x &+= 0x9E37_79B9_7F4A_7C15
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// A seedable xoshiro256** stream with a normal sampler.
public struct RandomStream: Sendable {
    /// The key this stream was made from; substreams derive from it.
    public let key: UInt64
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    private var spareNormal: Float? = nil

    public init(key: UInt64) {
        self.key = key
        var x = key
        s0 = splitMix64(&x); s1 = splitMix64(&x); s2 = splitMix64(&x); s3 = splitMix64(&x)
    }

    public init(seed: UInt64, factor: RandomFactor) {
        var x = seed ^ factor.salt
        self.init(key: splitMix64(&x))
    }

    /// An independent stream for copy / member / purpose `index`, derived from this stream's key only.
    public func substream(_ index: UInt64) -> RandomStream {
        var x = key ^ (index &* 0xD1B5_4A32_D192_ED03) ^ 0xA076_1D64_78BD_642F
        _ = splitMix64(&x)
        return RandomStream(key: splitMix64(&x))
    }

    @inline(__always) public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits.
    @inline(__always) public mutating func nextFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always) public mutating func nextDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform integer in 0..<bound (Lemire's nearly-divisionless method; unbiased).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    /// Standard normal draw (Box–Muller; the second value of each pair is kept for the next call).
    public mutating func nextNormal() -> Float {
        if let spare = spareNormal { spareNormal = nil; return spare }
        var u1 = nextDouble()
        while u1 <= .leastNonzeroMagnitude { u1 = nextDouble() }
        let u2 = nextDouble()
        let r = (-2.0 * _log(u1)).squareRoot()
        let theta = 2.0 * Double.pi * u2
        spareNormal = Float(r * _sin(theta))
        return Float(r * _cos(theta))
    }

    /// Fisher–Yates shuffle.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }

    /// Fills `buffer` with N(0, std²) draws.
    public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>, std: Float = 1) {
        for i in 0..<buffer.count { buffer[i] = nextNormal() * std }
    }

    /// Fills `buffer` with U(low, high) draws.
    public mutating func fillUniform(_ buffer: UnsafeMutableBufferPointer<Float>, low: Float, high: Float) {
        let span = high - low
        for i in 0..<buffer.count { buffer[i] = low + nextFloat() * span }
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _sin(_ x: Double) -> Double { Glibc.sin(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Foundation
@inline(__always) func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) func _sin(_ x: Double) -> Double { Foundation.sin(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Foundation.cos(x) }
#endif
