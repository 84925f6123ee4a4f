import XCTest
@testable import DeniData

final class ClassificationMetricsTests: XCTestCase {
    func testHandComputedThreeClasses() {
        // labels      0 0 0 1 1 2
        // predictions 0 0 1 1 2 2
        let m = classificationMetrics(predictions: [0, 0, 1, 1, 2, 2], labels: [0, 0, 0, 1, 1, 2], classCount: 3)
        XCTAssertEqual(m.confusion, [[2, 1, 0], [0, 1, 1], [0, 0, 1]])
        XCTAssertEqual(m.accuracy, 400.0 / 6, accuracy: 1e-9)
        // class 0: tp 2 fp 0 fn 1 → 4/5; class 1: tp 1 fp 1 fn 1 → 2/4; class 2: tp 1 fp 1 fn 0 → 2/3
        XCTAssertEqual(m.perClassF1[0], 80, accuracy: 1e-9)
        XCTAssertEqual(m.perClassF1[1], 50, accuracy: 1e-9)
        XCTAssertEqual(m.perClassF1[2], 200.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(m.macroF1, (80 + 50 + 200.0 / 3) / 3, accuracy: 1e-9)
    }

    func testClassAbsentFromPredictionsHasF1Zero() {
        // Class 1 is never predicted (sklearn zero_division=0): F1 0.
        let m = classificationMetrics(predictions: [0, 0, 0, 0], labels: [0, 0, 1, 1], classCount: 2)
        XCTAssertEqual(m.perClassF1[1], 0)
        XCTAssertEqual(m.perClassF1[0], 100.0 * 4 / 6, accuracy: 1e-9)  // tp 2 fp 2 fn 0 → 4/6
        XCTAssertEqual(m.macroF1, 100.0 * 4 / 6 / 2, accuracy: 1e-9)
        XCTAssertEqual(m.accuracy, 50)
    }

    func testClassAbsentFromLabelsAndPredictionsCountsAsZeroInMacro() {
        let m = classificationMetrics(predictions: [0, 1], labels: [0, 1], classCount: 3)
        XCTAssertEqual(m.perClassF1, [100, 100, 0])
        XCTAssertEqual(m.macroF1, 200.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(m.accuracy, 100)
    }

    func testEmptyAndCodable() throws {
        let m = classificationMetrics(predictions: [], labels: [], classCount: 2)
        XCTAssertEqual(m.accuracy, 0); XCTAssertEqual(m.macroF1, 0)
        let full = classificationMetrics(predictions: [1, 0], labels: [1, 1], classCount: 2)
        XCTAssertEqual(try JSONDecoder().decode(ClassificationMetrics.self, from: JSONEncoder().encode(full)), full)
    }
}
