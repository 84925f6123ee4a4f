import XCTest
@testable import DeniCore

final class RandomStreamTests: XCTestCase {
    func testSameSeedSameSequence() {
        var a = Seeds(all: 7).stream(.order), b = Seeds(all: 7).stream(.order)
        for _ in 0..<100 { XCTAssertEqual(a.next(), b.next()) }
    }

    func testFactorsAreIndependentStreams() {
        var a = Seeds(all: 7).stream(.order), b = Seeds(all: 7).stream(.dropout)
        XCTAssertNotEqual((0..<4).map { _ in a.next() }, (0..<4).map { _ in b.next() })
    }

    func testSubstreamDoesNotDependOnConsumption() {
        let root = Seeds(all: 3).stream(.noise)
        var consumed = root
        for _ in 0..<1000 { _ = consumed.next() }
        var s1 = root.substream(4), s2 = consumed.substream(4), s3 = root.substream(5)
        let x = s1.next()
        XCTAssertEqual(x, s2.next())
        XCTAssertNotEqual(x, s3.next())
    }

    func testNormalMoments() {
        var r = RandomStream(seed: 1, factor: .noise)
        let n = 200_000
        var sum = 0.0, sq = 0.0
        for _ in 0..<n { let v = Double(r.nextNormal()); sum += v; sq += v * v }
        let mean = sum / Double(n), variance = sq / Double(n) - mean * mean
        XCTAssertEqual(mean, 0, accuracy: 0.01)
        XCTAssertEqual(variance, 1, accuracy: 0.02)
    }

    func testNextIntIsUniformAndInRange() {
        var r = RandomStream(seed: 9, factor: .sample)
        var counts = [Int](repeating: 0, count: 6)
        for _ in 0..<60_000 { counts[r.nextInt(below: 6)] += 1 }
        for c in counts { XCTAssertEqual(Double(c), 10_000, accuracy: 400) }
    }
}
