import XCTest
import DeniExperiments

/// `deni sweep --slurm` with stand-in `sbatch` and `squeue` scripts on PATH: what is submitted, what a failed
/// submission leaves (nothing), how `--status` reads the queue and what `--resubmit-failed` submits. The real
/// scheduler is exercised by scripts/slurm-check.sh (run by scripts/test.sh).
extension ExperimentCLITests {
    /// A folder holding executable stand-ins; each logs its arguments to `<name>.args`.
    func fakeTools(_ scripts: [String: String]) throws -> URL {
        let bin = tmp.appendingPathComponent("bin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        for (name, body) in scripts {
            let url = bin.appendingPathComponent(name)
            try "#!/bin/sh\necho \"$@\" >> \(bin.path)/\(name).args\n\(body)\n".write(to: url, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }
        return bin
    }

    func slurmSweepArgs(_ data: URL) -> [String] {
        ["sweep", "--dataset", data.path, "--tuning", "lora", "--strategy", "default", "deni", "--runs", "2", "--samples", "24",
         "--epochs", "1", "--batch-size", "4", "--eval-subsample", "0", "--threads", "1", "--vary", "deni.ensembleSize=2,3",
         "--slurm", "--tasks-per-job", "2", "--partition", "gpu"]
    }

    func testSlurmWithoutSbatchIsRefusedBeforeAnythingIsRecorded() throws {
        let data = try writeDataset()
        let sessions = tmp.appendingPathComponent("none")
        let empty = try fakeTools([:])
        let out = try runDeni(slurmSweepArgs(data), env: ["DENI_SESSIONS": sessions.path, "PATH": empty.path], timeout: 60)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("'sbatch' is not on PATH"), out.stderr)
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: sessions.path))?.count ?? 0, 0)
    }

    func testAFailedSubmissionShowsSbatchsErrorAndLeavesNoSession() throws {
        let data = try writeDataset()
        let sessions = tmp.appendingPathComponent("refused")
        let bin = try fakeTools(["sbatch": "echo 'sbatch: error: invalid partition specified: gpu' >&2\nexit 1"])
        let out = try runDeni(slurmSweepArgs(data), env: ["DENI_SESSIONS": sessions.path, "PATH": bin.path + ":/usr/bin:/bin"], timeout: 60)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("invalid partition specified: gpu"), out.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: sessions.path).filter { !$0.hasPrefix(".") }, [])
    }

    /// 3 strategies (Default, DENI · K 2, DENI · K 3) × 2 runs = 6 tasks, 2 per array task: array 0-2. The queue
    /// says task 1 runs and task 2 waits; task 0 is neither queued nor done, so it failed and is resubmitted alone.
    func testStatusReadsTheQueueAndResubmitsOnlyTheFailedTasks() throws {
        let data = try writeDataset()
        let sessions = tmp.appendingPathComponent("queued")
        let bin = try fakeTools(["sbatch": "echo 4242", "squeue": "echo '4242_1 RUNNING'; echo '4242_2 PENDING'; echo '99_0 RUNNING'"])
        let env = ["DENI_SESSIONS": sessions.path, "PATH": bin.path + ":/usr/bin:/bin"]
        let out = try runDeni(slurmSweepArgs(data) + ["--json"], env: env, timeout: 120)
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertTrue(out.stdout.contains(#""job": "4242""#), out.stdout)
        let folder = try session(in: sessions)
        let script = try String(contentsOf: folder.appendingPathComponent("slurm/sweep.sbatch"), encoding: .utf8)
        for line in ["#SBATCH --array=0-2", "#SBATCH --cpus-per-task=1", "#SBATCH --partition=gpu",
                     "sweep --worker \(folder.path) --task \"$SLURM_ARRAY_TASK_ID\""] {
            XCTAssertTrue(script.contains(line), "\(line) not in\n\(script)")
        }
        XCTAssertEqual(try SessionReader.read(folder).status, .interrupted)

        let status = try runDeni(["sweep", "--status", folder.path, "--json"], env: env, timeout: 60)
        XCTAssertEqual(status.status, 0, status.stderr)
        let state = try JSONDecoder().decode(SlurmStatus.self, from: Data(status.stdout.utf8))
        XCTAssertEqual(state.arrayTasks.map(\.state), [.failed, .running, .pending])
        XCTAssertEqual(state.runs, 6)
        XCTAssertEqual(state.runsDone, 0)

        // While array tasks are queued, the session is not resumed here.
        let resume = try runDeni(["resume", folder.path], env: env, timeout: 60)
        XCTAssertNotEqual(resume.status, 0)
        XCTAssertTrue(resume.stderr.contains("still queued or running"), resume.stderr)

        let again = try runDeni(["sweep", "--resubmit-failed", folder.path], env: env, timeout: 60)
        XCTAssertEqual(again.status, 0, again.stderr)
        let calls = try String(contentsOf: bin.appendingPathComponent("sbatch.args"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(calls.count, 2)
        XCTAssertTrue(calls[1].hasPrefix("--parsable --array=0 "), String(calls[1]))
        let submission = try XCTUnwrap(try SlurmArray.submission(folder))
        XCTAssertEqual(submission.jobs.map(\.arrayTasks), [[0, 1, 2], [0]])
    }
}
