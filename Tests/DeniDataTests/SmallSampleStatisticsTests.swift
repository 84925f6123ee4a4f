import Foundation
import XCTest
@testable import DeniData

/// The small-sample paired statistics against SciPy's values (Fixtures/small_sample_statistics.json, written by
/// scripts/reference/make_statistics_fixtures.py with SciPy 1.17.1: ttest_rel, permutation_test, binomtest,
/// t/f ppf; DerSimonian–Laird and the F-test power written out in NumPy).
final class SmallSampleStatisticsTests: XCTestCase {
    struct Paired: Decodable { var a, b: [Double]; var t_p, t_low, t_high, sign_flip_p: Double }
    struct Quantile: Decodable { var p, df, t, f: Double }
    struct Sign: Decodable { var positive, negative: Int; var p: Double }
    struct Pooled: Decodable { var means, variances: [Double]; var estimate, low, high, tau2, q: Double }
    struct Power: Decodable { var ratio: Double; var runs: Int; var power: Double }
    struct Needed: Decodable { var ratio: Double; var runs: Int }
    struct Fixture: Decodable {
        var paired: [Paired]; var quantiles: [Quantile]; var sign: [Sign]
        var random_effects: [Pooled]; var power: [Power]; var runs_needed: [Needed]
    }

    static let fixture: Fixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/small_sample_statistics.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    func testPairedTIntervalAndP() {
        for c in Self.fixture.paired {
            let r = Statistics.pairedT(c.a, c.b)
            XCTAssertEqual(r.p, c.t_p, accuracy: 1e-10 * max(1, c.t_p), "\(c.a)")
            XCTAssertEqual(r.interval.low, c.t_low, accuracy: 1e-9)
            XCTAssertEqual(r.interval.high, c.t_high, accuracy: 1e-9)
        }
        XCTAssertTrue(Statistics.pairedT([1], [2]).p.isNaN)
        XCTAssertTrue(Statistics.pairedT([1, 2], [0, 1]).p.isNaN, "zero spread of the differences")
    }

    func testExactSignFlipPermutationTest() {
        for c in Self.fixture.paired {
            XCTAssertEqual(Statistics.signFlipP(c.a, c.b), c.sign_flip_p, accuracy: 1e-12, "\(c.a.count) pairs")
        }
        XCTAssertEqual(Statistics.signFlipP([1, 2, 3, 4, 5], [0, 0, 0, 0, 0]), 0.0625, "the floor at n = 5 is 2/32")
        XCTAssertTrue(Statistics.signFlipP([Double](repeating: 1, count: 21), [Double](repeating: 0, count: 21)).isNaN)
    }

    func testQuantiles() {
        for q in Self.fixture.quantiles {
            XCTAssertEqual(Statistics.studentTQuantile(q.p, df: q.df), q.t, accuracy: 1e-9 * max(1, abs(q.t)), "t p \(q.p) df \(q.df)")
            XCTAssertEqual(Statistics.fQuantile(q.p, d1: q.df, d2: q.df + 3), q.f, accuracy: 1e-9 * max(1, q.f), "F p \(q.p) df \(q.df)")
        }
    }

    func testSignTest() {
        for s in Self.fixture.sign {
            XCTAssertEqual(Statistics.signTest(positive: s.positive, negative: s.negative), s.p, accuracy: 1e-12, "\(s.positive)/\(s.positive + s.negative)")
        }
        XCTAssertTrue(Statistics.signTest(positive: 0, negative: 0).isNaN)
    }

    func testRandomEffects() {
        for c in Self.fixture.random_effects {
            let r = Statistics.randomEffects(means: c.means, variances: c.variances)
            XCTAssertEqual(r.estimate.estimate, c.estimate, accuracy: 1e-12)
            XCTAssertEqual(r.estimate.low, c.low, accuracy: 1e-9)
            XCTAssertEqual(r.estimate.high, c.high, accuracy: 1e-9)
            XCTAssertEqual(r.tau2, c.tau2, accuracy: 1e-12)
            XCTAssertEqual(r.q, c.q, accuracy: 1e-12)
        }
        XCTAssertTrue(Statistics.randomEffects(means: [1], variances: [1]).estimate.estimate.isNaN)
    }

    func testPowerAndRunsToDetectAStdRatio() {
        for p in Self.fixture.power {
            XCTAssertEqual(Statistics.varianceTestPower(ratio: p.ratio, runs: p.runs), p.power, accuracy: 1e-9, "ratio \(p.ratio) n \(p.runs)")
        }
        for n in Self.fixture.runs_needed {
            XCTAssertEqual(Statistics.runsToDetectStdRatio(n.ratio), n.runs, "ratio \(n.ratio)")
        }
        XCTAssertNil(Statistics.runsToDetectStdRatio(1))
    }
}
