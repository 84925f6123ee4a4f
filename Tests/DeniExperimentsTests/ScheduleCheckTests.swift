import XCTest
import DeniTraining
@testable import DeniExperiments

final class ScheduleCheckTests: XCTestCase {
    func config(epochs: Int, _ kind: StrategyKind = .deni) -> ExperimentConfig {
        var c = ExperimentConfig()
        c.epochs = epochs
        c.strategies = [StrategyConfig(kind: .standard), StrategyConfig(kind: kind)]
        return c
    }

    func testPaperScheduleHasNoWarnings() throws {
        XCTAssertEqual(try ExperimentRunner.checkSchedules(config(epochs: 10), trainExamples: 1000), [])
        XCTAssertEqual(try ExperimentRunner.checkSchedules(config(epochs: 10), trainExamples: 911), [])
    }

    /// Two epochs with one-epoch rounds: the only round would start at the second epoch and never end.
    func testDegenerateScheduleIsReported() throws {
        let w = try ExperimentRunner.checkSchedules(config(epochs: 2), trainExamples: 200)
        XCTAssertFalse(w.isEmpty)
        XCTAssertTrue(w.contains { $0.contains("DENI") }, "\(w)")
    }

    func testPeriodLongerThanTrainingIsRefused() {
        var c = config(epochs: 2)
        c.strategies[1].deni?.period = .steps(500)
        XCTAssertThrowsError(try ExperimentRunner.checkSchedules(c, trainExamples: 200)) { e in
            XCTAssertTrue("\(e)".contains("interpolation period"), "\(e)")
        }
    }
}
