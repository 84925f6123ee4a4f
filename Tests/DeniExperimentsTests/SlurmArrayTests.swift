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

    /// Partition and time go into #SBATCH lines: a newline or a shell character would add lines of their own.
    func testPartitionAndTimeMustBeWhatSlurmNames() {
        for p in ["debug", "gpu-a100", "short,long", "part_1.x"] { XCTAssertNil(SlurmOptions(partition: p, cpusPerTask: 1).problem, p) }
        for p in ["debug\necho INJECTED", "", "a b", "x;rm", "$(id)"] { XCTAssertNotNil(SlurmOptions(partition: p, cpusPerTask: 1).problem, p) }
        for t in ["30", "2:00:00", "1-12", "1-12:30", "1-12:30:00", "10:00", "UNLIMITED"] {
            XCTAssertNil(SlurmOptions(time: t, cpusPerTask: 1).problem, t)
        }
        for t in ["garbage", "", "1:2:3:4", "1-2-3", "2:00\n#SBATCH --wrap=x", "-5", ":"] {
            XCTAssertNotNil(SlurmOptions(time: t, cpusPerTask: 1).problem, t)
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

final class ExperimentEstimateTests: XCTestCase {
    /// seconds = runs × main steps × model-steps ratio × batch × seconds per step-example, per strategy; only
    /// samples of this machine with the same tuning and threads count.
    func testEstimateFromRecordedSpeed() {
        var c = ExperimentConfig()
        c.strategies = [StrategyConfig(kind: .standard), StrategyConfig(kind: .ensemble)]
        c.runs = 2; c.trainSamples = 80; c.batchSize = 8; c.epochs = 3; c.threads = 2
        let machine = MachineInfo(hostname: "h", cores: 2, operatingSystem: "", toolVersion: "", buildConfiguration: "release", gemm: nil)
        let sample = ExperimentEstimate.Sample(tuning: "lora", threads: 2, hostname: "h", cores: 2, secondsPerStepExample: 0.01,
                                               ratioByLabel: ["Default": 1], ratioByKind: ["standard": 1])
        let e = ExperimentEstimate.make(c, samples: [sample], machine: machine)
        // Default: 2 × 30 × 1 × 8 × 0.01 = 4.8 s; Ensemble (no record: its K = 10): 48 s.
        XCTAssertEqual(e.seconds!, 52.8, accuracy: 1e-9)
        XCTAssertEqual(e.runs, 4)
        var other = sample; other.hostname = "elsewhere"
        XCTAssertNil(ExperimentEstimate.make(c, samples: [other], machine: machine).seconds)
        var threads = sample; threads.threads = 1
        XCTAssertNil(ExperimentEstimate.make(c, samples: [threads], machine: machine).seconds)
        XCTAssertFalse(LongRunRule.needsConfirmation(e))
        c.runs = 20
        XCTAssertTrue(LongRunRule.needsConfirmation(ExperimentEstimate.make(c, samples: [sample], machine: machine)))
    }
}
