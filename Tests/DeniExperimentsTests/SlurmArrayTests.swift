import XCTest
import DeniTraining
@testable import DeniExperiments

final class SlurmArrayTests: XCTestCase {
    func config(strategies: Int, runs: Int) -> ExperimentConfig {
        var c = ExperimentConfig()
        c.strategies = (0..<strategies).map { k in
            var s = StrategyConfig(kind: .deni)
            s.deni!.ensembleSize = k + 2
            return s
        }
        c.runs = runs
        return c
    }

    /// Shares cover every task exactly once, in runner order (run-major), the last one short.
    func testSharesPartitionTheTasksInRunnerOrder() {
        let tasks = SweepTasks(config(strategies: 3, runs: 3))
        XCTAssertEqual(tasks.count, 9)
        XCTAssertEqual(tasks.arraySize(perJob: 4), 3)
        XCTAssertEqual((0..<3).map { tasks.share($0, perJob: 4) }, [0..<4, 4..<8, 8..<9])
        XCTAssertEqual(tasks.run(4), RunID(strategy: tasks.strategies[1], run: 1))
        XCTAssertEqual(tasks.done([RunID(strategy: tasks.strategies[2], run: 2), RunID(strategy: "other", run: 0)]), [8])
        for perJob in 1...10 {
            let all = (0..<tasks.arraySize(perJob: perJob)).flatMap { Array(tasks.share($0, perJob: perJob)) }
            XCTAssertEqual(all, Array(0..<9))
        }
    }

    func testQueueLinesOfOtherJobsAreIgnored() {
        let q = SlurmArray.parseQueue("12_0 RUNNING\n12_3 PENDING\n120_1 RUNNING\n7 RUNNING\n\n", jobs: ["12"])
        XCTAssertEqual(q, ["12_0": "RUNNING", "12_3": "PENDING"])
    }

    func testScriptRefusesPathsItCannotQuote() {
        let options = SlurmOptions(cpusPerTask: 2)
        let ok = URL(fileURLWithPath: "/shared/x")
        XCTAssertThrowsError(try SlurmArray.script(session: URL(fileURLWithPath: "/shared/my sweep"), name: "n", executable: ok,
                                                   model: ok, data: ok, options: options, arraySize: 2))
        let text = try? SlurmArray.script(session: ok, name: "a b;c", executable: ok, model: ok, data: ok, options: options, arraySize: 5)
        XCTAssertTrue(text?.contains("#SBATCH --job-name=deni-abc\n") == true, text ?? "")
        XCTAssertTrue(text?.contains("#SBATCH --array=0-4\n") == true)
        XCTAssertFalse(text?.contains("--partition") == true)
    }
}
