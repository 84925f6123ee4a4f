import XCTest
import DeniCore
import DeniExperiments
import DeniModel
import DeniTraining

/// End-to-end tests of the built `deni` binary on the real model: inspection commands, a recorded
/// experiment, and a process killed with SIGKILL mid-experiment that `deni resume` completes with the same
/// results as an uninterrupted run. Experiments use a small synthetic 3-class file (written here) so that
/// the real model trains and evaluates in seconds.
final class ExperimentCLITests: XCTestCase {
    var tmp: URL!

    override func setUpWithError() throws {
        let model = ProjectPaths.model()
        guard FileManager.default.fileExists(atPath: model.appendingPathComponent("model.safetensors").path) else {
            throw XCTSkip("model not installed: \(ProjectPaths.modelHowTo)")
        }
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("deni-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        addTeardownBlock { [tmp] in try? FileManager.default.removeItem(at: tmp!) }
    }

    /// 3 classes with distinct vocabularies, 40 rows each; `badRow` adds, as line 122, a row with a third field.
    func writeDataset(badRow: Bool = false) throws -> URL {
        try writeTopicsDataset(in: tmp, rows: 120, words: 6, seed: 1, suffix: " today", extra: badRow ? ["a row with\tthree\tfields"] : [])
    }

    func testTokenizeJSON() throws {
        let out = try runDeni(["tokenize", "--json", "Hello, naïve world!", "second one"], timeout: 60)
        XCTAssertEqual(out.status, 0, out.stderr)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(obj["ids"] as? [Int], [101, 7592, 1010, 15743, 2088, 999, 102, 2117, 2028, 102])
        XCTAssertEqual(obj["type_ids"] as? [Int], [0, 0, 0, 0, 0, 0, 0, 1, 1, 1])
    }

    /// `deni forward` agrees with the PyTorch fixture: padding never changes real positions, so the unpadded
    /// first fixture text's [CLS] state and pooler output equal hidden.6[0, 0] and pooled.pooler[0].
    func testForwardMatchesPyTorchCLSState() throws {
        let out = try runDeni(["forward", "--json", "The movie was great!"], timeout: 60)
        XCTAssertEqual(out.status, 0, out.stderr)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let cls = try XCTUnwrap(obj["cls_hidden"] as? [Double]), pooled = try XCTUnwrap(obj["pooled"] as? [Double])
        let mean = try XCTUnwrap(obj["mean"] as? [Double])
        XCTAssertEqual(cls.count, 384); XCTAssertEqual(pooled.count, 384); XCTAssertEqual(mean.count, 384)
        XCTAssertEqual(obj["ids"] as? [Int], [101, 1996, 3185, 2001, 2307, 999, 102])
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("DeniModelTests/Fixtures/model_parity.safetensors")
        let file = try SafeTensorsFile(url: fixture)
        let h6 = try file.floats("hidden.6"), pooledRef = try file.floats("pooled.pooler")
        for i in 0..<384 {
            XCTAssertEqual(cls[i], Double(h6[i]), accuracy: 1e-4)
            XCTAssertEqual(pooled[i], Double(pooledRef[i]), accuracy: 1e-4)
        }
    }

    func testMissingModelSaysHowToGetIt() throws {
        let out = try runDeni(["forward", "--model", tmp.appendingPathComponent("nothing").path, "x"], timeout: 30)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("setup.sh"), out.stderr)
    }

    func testBadHyperparameterIsRefusedBeforeTraining() throws {
        let data = try writeDataset()
        let out = try runDeni(["run", "--dataset", data.path, "--strategy", "deni", "--ensemble-size", "0", "--runs", "1"],
                              env: ["DENI_SESSIONS": tmp.path], timeout: 30)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("Ensemble size K"), out.stderr)
        XCTAssertTrue(out.stderr.contains("1...64"), out.stderr)
    }

    /// Settings whose damage used to trap or pass silently: refused before anything trains, naming the setting (and the
    /// config file a value came from).
    func testOutOfRangeSettingsAreRefusedBeforeTraining() throws {
        let data = try writeDataset()
        let base = ["run", "--dataset", data.path, "--runs", "1", "--samples", "12", "--epochs", "1", "--dry-run"]
        func refused(_ args: [String], _ expected: [String], file: StaticString = #filePath, line: UInt = #line) throws {
            let out = try runDeni(args, env: ["DENI_SESSIONS": tmp.path], timeout: 60)
            XCTAssertNotEqual(out.status, 0, "\(args)", file: file, line: line)
            XCTAssertNotEqual(out.status, 132, "trapped: \(out.stderr)", file: file, line: line)
            for e in expected { XCTAssertTrue(out.stderr.contains(e), "\(args): \(out.stderr)", file: file, line: line) }
        }
        try refused(base + ["--strategy", "deni", "--interpolation-period", "1e100e"], ["Interpolation period", "above 1000 epochs"])
        try refused(base + ["--strategy", "deni", "--set", "deni.roundLength=1e300e"], ["Round length", "above 1000 epochs"])
        try refused(["sweep", "--dataset", data.path, "--strategy", "default", "--strategy", "deni", "--vary", "maxLength=,16", "--dry-run"],
                    ["maxLength", "an empty value"])
        // A config: a negative column index, a sweep plan with a negative number of steps, a span with steps and epochs.
        var config = ExperimentConfig()
        config.dataset = data.path
        config.strategies = [StrategyConfig(kind: .standard)]
        config.data.columns.text = .index(-1)
        let columns = tmp.appendingPathComponent("columns.json")
        try config.encoded().write(to: columns)
        try refused(["run", "--config", columns.path, "--dry-run"], ["--config \(columns.path)", "Text column -1 is not a column"])
        config.data.columns.text = nil
        config.sweep = SweepPlan(axes: [SweepAxis(key: "deni.noiseVariance", values: .range(low: 0.01, high: 1, steps: -5, log: false))])
        let plan = tmp.appendingPathComponent("plan.json")
        try config.encoded().write(to: plan)
        try refused(["run", "--config", plan.path, "--dry-run"], ["sweep.axes[0].values", "needs 2…1000 steps"])
    }

    /// `--save` and `--predictions` are checked before training, and never replace a named pipe (or a device).
    func testOutputPathsAreCheckedBeforeTrainingAndSpecialFilesKept() throws {
        let data = try writeDataset()
        let fifo = tmp.appendingPathComponent("pipe")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        let train = ["train", "--dataset", data.path, "--samples", "12", "--epochs", "1", "--eval-subsample", "0"]
        // (A named pipe stands for every special file: a failing test must not replace a real device.)
        for (flag, path, expected) in [("--predictions", fifo.path, "a named pipe"), ("--save", fifo.path, "a named pipe"),
                                       ("--save", tmp.appendingPathComponent("no/such/folder/m.safetensors").path, "does not exist")] {
            let started = Date()
            let out = try runDeni(train + [flag, path], timeout: 120)
            XCTAssertNotEqual(out.status, 0)
            XCTAssertTrue(out.stderr.contains(flag) && out.stderr.contains(expected), out.stderr)
            XCTAssertFalse(out.stdout.contains("test accuracy"), "it trained first: \(out.stdout)")
            XCTAssertLessThan(Date().timeIntervalSince(started), 60)
        }
        var info = stat()
        XCTAssertEqual(stat(fifo.path, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO, "the named pipe was replaced")
        // A symbolic link is followed: the file it points to receives the predictions, the link stays a link.
        let target = tmp.appendingPathComponent("target.csv"), link = tmp.appendingPathComponent("link.csv")
        try "old\n".write(to: target, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        let out = try runDeni(train + ["--predictions", link.path], timeout: 300)
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertTrue(try String(contentsOf: target, encoding: .utf8).hasPrefix("text,"))
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link.path), target.path)
    }

    func experimentArgs(_ data: URL, runs: Int) -> [String] {
        ["run", "--dataset", data.path, "--tuning", "lora", "--strategy", "default", "deni", "--ensemble-size", "2",
         "--runs", "\(runs)", "--samples", "30", "--epochs", "2", "--batch-size", "4", "--eval-subsample", "6", "--seed", "5", "--json"]
    }

    func session(in folder: URL) throws -> URL {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") && $0 != "ui.log" }
        XCTAssertEqual(names.count, 1, "\(names)")
        return folder.appendingPathComponent(try XCTUnwrap(names.first))
    }

    /// run → session on disk → show and replay re-derive the same table.
    func testRunRecordsASessionThatReplaysToItsSummary() throws {
        let data = try writeDataset(badRow: true)
        let sessions = tmp.appendingPathComponent("s1")
        let out = try runDeni(experimentArgs(data, runs: 1) + ["--skip-bad-rows"], env: ["DENI_SESSIONS": sessions.path], timeout: 600)
        XCTAssertEqual(out.status, 0, out.stderr)
        // --json lists the rows --skip-bad-rows left out (today's main printed only the table).
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        XCTAssertNotNil(report["rows"])
        let skipped = try XCTUnwrap(report["skippedRows"] as? [String: Any], out.stdout)
        XCTAssertEqual(skipped["count"] as? Int, 1)
        let first = try XCTUnwrap((skipped["first"] as? [[String: Any]])?.first)
        XCTAssertEqual(first["line"] as? Int, 122)
        XCTAssertTrue((first["problem"] as? String)?.contains("expected 2 fields") ?? false, "\(first)")
        let folder = try session(in: sessions)
        let recorded = try SessionReader.read(folder)
        XCTAssertEqual(recorded.status, .finished)
        XCTAssertEqual(recorded.finishedRuns.count, 2)
        XCTAssertTrue(recorded.events.contains { if case .phase(_, _, .ensemble, _, _, _) = $0 { true } else { false } })
        let replay = try runDeni(["replay", folder.path, "--headless"], timeout: 60)
        XCTAssertEqual(replay.status, 0, replay.stderr + replay.stdout)
        let show = try runDeni(["show", folder.path], timeout: 60)
        XCTAssertTrue(show.stdout.contains("DENI"), show.stdout)
        // The saved config reproduces the experiment bit for bit.
        let again = tmp.appendingPathComponent("s2")
        let rerun = try runDeni(["run", "--config", folder.appendingPathComponent("config.json").path, "--json"],
                                env: ["DENI_SESSIONS": again.path], timeout: 600)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertEqual(try finalF1(SessionReader.read(session(in: again))), try finalF1(recorded))
    }

    /// A sweep (2 points and Default, 2 runs) on 1 and on 2 worker processes: the same variants, the same run
    /// results bit for bit, and the 2-worker session ends as a plain session (its shards merged).
    func testSweepResultsDoNotDependOnTheNumberOfWorkers() throws {
        let data = try writeDataset()
        var results: [[String: String]] = []
        for workers in [1, 2] {
            let sessions = tmp.appendingPathComponent("sweep-\(workers)")
            let out = try runDeni(["sweep", "--dataset", data.path, "--tuning", "lora", "--strategy", "default", "deni", "--runs", "2",
                                   "--samples", "24", "--epochs", "2", "--batch-size", "4", "--eval-subsample", "0", "--seed", "5",
                                   "--vary", "deni.ensembleSize=2,3", "--workers", "\(workers)", "--json"],
                                  env: ["DENI_SESSIONS": sessions.path], timeout: 600)
            XCTAssertEqual(out.status, 0, out.stderr)
            let folder = try session(in: sessions)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent(SessionShards.folder).path))
            let recorded = try SessionReader.read(folder)
            XCTAssertEqual(recorded.status, .finished)
            XCTAssertEqual(recorded.config.strategies.map(\.label), ["Default", "DENI · K 2", "DENI · K 3"])
            var ends: [String: String] = [:]
            for e in recorded.events {
                if case let .runEnd(id, .finished, m?, _, _, _, _) = e { ends[id.description] = "\(m)" }
            }
            XCTAssertEqual(ends.count, 6)
            results.append(ends)
        }
        XCTAssertEqual(results[0], results[1])
    }

    /// A sweep over the learning rate: each point's runs equal, bit for bit, a plain `deni run` at that learning
    /// rate with the same seeds (the runner prepares each group of strategies as its own experiment), and each
    /// DENI point is paired with the Default of its own learning rate.
    func testLearningRateSweepPointsEqualPlainRunsAtThatRate() throws {
        let data = try writeDataset()
        let common = ["--dataset", data.path, "--tuning", "lora", "--strategy", "default", "deni", "--ensemble-size", "2", "--runs", "1",
                      "--samples", "24", "--epochs", "2", "--batch-size", "4", "--eval-subsample", "0", "--seed", "9", "--json"]
        func finals(_ folder: URL) throws -> [String: Double] {
            var out: [String: Double] = [:]
            for case let .runEnd(id, .finished, m?, _, _, _, _) in try SessionReader.read(folder).events { out[id.strategy] = m.macroF1 }
            return out
        }
        let sweepSessions = tmp.appendingPathComponent("lr-sweep")
        let sweep = try runDeni(["sweep"] + common + ["--vary", "lr=1e-4,2e-3"], env: ["DENI_SESSIONS": sweepSessions.path], timeout: 600)
        XCTAssertEqual(sweep.status, 0, sweep.stderr)
        let folder = try session(in: sweepSessions)
        let swept = try finals(folder)
        XCTAssertEqual(Set(swept.keys), ["Default · lr 0.0001", "Default · lr 0.002", "DENI · K 2 · lr 0.0001", "DENI · K 2 · lr 0.002"])
        for lr in ["0.0001", "0.002"] {
            let sessions = tmp.appendingPathComponent("lr-\(lr)")
            let plain = try runDeni(["run"] + common + ["--lr", lr], env: ["DENI_SESSIONS": sessions.path], timeout: 600)
            XCTAssertEqual(plain.status, 0, plain.stderr)
            let alone = try finals(try session(in: sessions))
            XCTAssertEqual(swept["Default · lr \(lr)"], alone["Default"], lr)
            XCTAssertEqual(swept["DENI · K 2 · lr \(lr)"], alone["DENI · K 2"], lr)
        }
        XCTAssertNotEqual(swept["Default · lr 0.0001"], swept["Default · lr 0.002"])
        let show = try runDeni(["show", folder.path], timeout: 60)
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("baselines: Default · lr 0.0001, Default · lr 0.002"), show.stdout)
    }

    /// An experiment with `--first-run 1` extends a recorded one: its run 1 is the recorded run 1 bit for bit,
    /// it has no run 0, and a study report merges both sessions into one cell with runs 0-2 and run 1 recorded twice.
    func testFirstRunExtendsARecordedExperimentRunByRun() throws {
        let data = try writeDataset()
        let common = ["run", "--dataset", data.path, "--tuning", "lora", "--strategy", "default", "--samples", "24", "--epochs", "2",
                      "--batch-size", "4", "--eval-subsample", "0", "--seed", "3", "--json"]
        let sessions = tmp.appendingPathComponent("extend")
        let first = try runDeni(common + ["--runs", "2", "--name", "base"], env: ["DENI_SESSIONS": sessions.path], timeout: 600)
        XCTAssertEqual(first.status, 0, first.stderr)
        let later = try runDeni(common + ["--runs", "2", "--first-run", "1", "--name", "more"], env: ["DENI_SESSIONS": sessions.path], timeout: 600)
        XCTAssertEqual(later.status, 0, later.stderr)
        func folder(_ name: String) throws -> URL {
            sessions.appendingPathComponent(try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: sessions.path).first { $0.hasSuffix("-" + name) }))
        }
        func finals(_ name: String) throws -> [Int: Double] {
            var out: [Int: Double] = [:]
            for case let .runEnd(id, .finished, m?, _, _, _, _) in try SessionReader.read(try folder(name)).events {
                out[id.run] = m.macroF1
            }
            return out
        }
        let base = try finals("base"), more = try finals("more")
        XCTAssertEqual(Set(base.keys), [0, 1])
        XCTAssertEqual(Set(more.keys), [1, 2])
        XCTAssertEqual(more[1], base[1], "the same index trains with the same seeds")
        func seeds(_ name: String) throws -> [Int: Seeds] {
            var out: [Int: Seeds] = [:]
            for case let .runStart(id, seeds, _, _, _) in try SessionReader.read(try folder(name)).events { out[id.run] = seeds }
            return out
        }
        let baseSeeds = try seeds("base"), moreSeeds = try seeds("more")
        XCTAssertEqual(moreSeeds[1], baseSeeds[1])
        XCTAssertNotEqual(moreSeeds[2], moreSeeds[1])
        XCTAssertEqual(moreSeeds[2], try SessionReader.read(try folder("more")).config.seeds(run: 2))
        let cells = StudyCell.cells([try SessionReader.read(try folder("base")), try SessionReader.read(try folder("more"))])
        XCTAssertEqual(cells.count, 1)
        XCTAssertEqual(cells[0].table.rows.first?.runs, 3)
        XCTAssertEqual(cells[0].duplicates.map(\.run), [1])
        let show = try runDeni(["show", try folder("more").path], timeout: 60)
        XCTAssertTrue(show.stdout.contains("Runs     2 (runs 1-2) per strategy"), show.stdout)
    }

    /// `--precision bf16`: refused before anything is recorded where the CPU has no bf16 instructions (naming what is
    /// missing); with bf16 products (native where the CPU has them, else `DENI_BF16=emulate`) the run trains, its session
    /// records the precision and what computed the products, `show` says both, and the macro-F1 lands near fp32's.
    func testPrecisionIsRecordedAndRefusedWhereTheCPUCannotRunIt() throws {
        let data = try writeDataset()
        let common = ["run", "--dataset", data.path, "--tuning", "lora", "--strategy", "default", "--samples", "24", "--epochs", "2",
                      "--batch-size", "4", "--eval-subsample", "0", "--seed", "3", "--runs", "1", "--json"]
        let sessions = tmp.appendingPathComponent("precision")
        let native = CPUInfo.current.avx512bf16 || CPUInfo.current.amxBF16
        if !native {
            let refused = try runDeni(common + ["--precision", "bf16", "--name", "refused"], env: ["DENI_SESSIONS": sessions.path, "DENI_BF16": ""], timeout: 120)
            XCTAssertNotEqual(refused.status, 0)
            XCTAssertTrue(refused.stderr.contains("AVX512_BF16") && refused.stderr.contains(CPUInfo.current.model), refused.stderr)
            let left = (try? FileManager.default.contentsOfDirectory(atPath: sessions.path)) ?? []
            XCTAssertEqual(left, [], "a refused run records nothing")
        }
        let fp32 = try runDeni(common + ["--name", "fp32"], env: ["DENI_SESSIONS": sessions.path], timeout: 600)
        XCTAssertEqual(fp32.status, 0, fp32.stderr)
        let bf16 = try runDeni(common + ["--precision", "bf16", "--name", "bf16"], env: ["DENI_SESSIONS": sessions.path, "DENI_BF16": native ? "" : "emulate"], timeout: 600)
        XCTAssertEqual(bf16.status, 0, bf16.stderr)
        func folder(_ name: String) throws -> URL {
            sessions.appendingPathComponent(try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: sessions.path).first { $0.hasSuffix("-" + name) }))
        }
        let recorded = try SessionReader.read(try folder("bf16")), plain = try SessionReader.read(try folder("fp32"))
        XCTAssertEqual(recorded.config.precision, .bf16)
        XCTAssertEqual(recorded.manifest.machine.gemm, native ? "onednn-bf16" : "bf16-emulated")
        XCTAssertEqual(recorded.manifest.machine.cpu, CPUInfo.current.model)
        XCTAssertEqual(plain.config.precision, .fp32)
        let configText = try String(contentsOf: try folder("fp32").appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertFalse(configText.contains("precision"), "an fp32 config is written as before the setting existed")
        let show = try runDeni(["show", try folder("bf16").path], timeout: 60)
        XCTAssertTrue(show.stdout.contains("precision bf16") && show.stdout.contains(native ? "GEMM onednn-bf16" : "GEMM bf16-emulated"), show.stdout)
        func f1(_ s: RecordedSession) -> Double? {
            for case let .runEnd(_, .finished, m?, _, _, _, _) in s.events { return m.macroF1 }
            return nil
        }
        let (a, b) = (try XCTUnwrap(f1(plain)), try XCTUnwrap(f1(recorded)))
        XCTAssertEqual(a, b, accuracy: 15, "bf16 training lands near fp32's macro-F1")
    }

    /// `--config` plus flags overrides only what the flags name: a kind `--strategy` names keeps its settings from
    /// the config, a kind the config lacks gets the defaults, and `--ensemble-size` sets every strategy that has it.
    func testConfigPlusFlagsOverridesOnlyWhatTheFlagsName() throws {
        var base = ExperimentConfig()
        var deni = StrategyConfig(kind: .deni)
        deni.deni!.ensembleSize = 3
        deni.deni!.noiseVariance = 0.3
        base.strategies = [StrategyConfig(kind: .standard), deni]
        base.epochs = 4
        let file = tmp.appendingPathComponent("base.json")
        try base.encoded().write(to: file)
        func resolved(_ flags: [String]) throws -> ExperimentConfig {
            let out = try runDeni(["run", "--config", file.path, "--dry-run"] + flags, timeout: 60)
            XCTAssertEqual(out.status, 0, out.stderr)
            return try JSONDecoder().decode(ExperimentConfig.self, from: Data(out.stdout.utf8))
        }
        let same = try resolved(["--strategy", "default", "deni", "ensemble"])
        XCTAssertEqual(same.strategies.map(\.label), ["Default", "DENI · σ² 0.3 · K 3", "Ensemble"])
        XCTAssertEqual(same.epochs, 4)
        let k = try resolved(["--ensemble-size", "7", "--epochs", "2"])
        XCTAssertEqual(k.strategies.map(\.label), ["Default", "DENI · σ² 0.3 · K 7"])
        XCTAssertEqual(k.epochs, 2)
        let bad = try runDeni(["run", "--config", file.path, "--dry-run", "--strategy", "deni", "deni"], timeout: 60)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("listed twice"), bad.stderr)
    }

    func finalF1(_ s: RecordedSession) -> [String: Double] {
        var out: [String: Double] = [:]
        for e in s.events { if case let .runEnd(id, .finished, m?, _, _, _, _) = e { out[id.description] = m.macroF1 } }
        return out
    }

    /// SIGKILL in the middle of an experiment leaves a readable, interrupted session with every finished run;
    /// `deni resume` completes it with the results of an uninterrupted experiment.
    func testKilledExperimentResumesToTheSameResults() throws {
        let data = try writeDataset()
        let sessions = tmp.appendingPathComponent("killed")
        let process = try startDeni(experimentArgs(data, runs: 2), env: ["DENI_SESSIONS": sessions.path])
        // Wait until the first run has ended, then kill without warning.
        let deadline = Date().addingTimeInterval(600)
        var folder: URL?
        while Date() < deadline {
            if folder == nil, let names = try? FileManager.default.contentsOfDirectory(atPath: sessions.path), let n = names.first(where: { !$0.hasPrefix(".") }) {
                folder = sessions.appendingPathComponent(n)
            }
            if let f = folder, let text = try? String(contentsOf: f.appendingPathComponent("events.jsonl"), encoding: .utf8),
               text.contains("\"run_end\"") { break }
            usleep(100_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let f = try XCTUnwrap(folder)
        let interrupted = try SessionReader.read(f)
        XCTAssertEqual(interrupted.status, .interrupted)
        XCTAssertGreaterThanOrEqual(interrupted.finishedRuns.count, 1)
        XCTAssertLessThan(interrupted.finishedRuns.count, 4)
        let before = finalF1(interrupted)

        // Thinning the step events of the interrupted session keeps its finished runs and lets it resume.
        let compacted = try runDeni(["compact", f.path, "--steps-every", "2", "--json"], timeout: 60)
        XCTAssertEqual(compacted.status, 0, compacted.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(compacted.stdout.utf8)) as? [[String: Any]]).first
        XCTAssertGreaterThan(try XCTUnwrap(report?["stepsDropped"] as? Int), 0, compacted.stdout)
        let thinned = try SessionReader.read(f)
        XCTAssertEqual(thinned.manifest.stepEventsEvery, 2)
        XCTAssertEqual(thinned.finishedRuns, interrupted.finishedRuns)
        XCTAssertEqual(finalF1(thinned), before)

        // Resumed on two worker processes: the remaining tasks, claimed by either, give the same runs.
        let resumed = try runDeni(["resume", f.path, "--workers", "2", "--json"], timeout: 600)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let done = try SessionReader.read(f)
        XCTAssertEqual(done.status, .finished)
        XCTAssertEqual(done.finishedRuns.count, 4)
        let after = finalF1(done)
        for (k, v) in before { XCTAssertEqual(after[k], v, "finished run \(k) changed on resume") }

        let clean = tmp.appendingPathComponent("clean")
        let full = try runDeni(experimentArgs(data, runs: 2), env: ["DENI_SESSIONS": clean.path], timeout: 600)
        XCTAssertEqual(full.status, 0, full.stderr)
        XCTAssertEqual(after, finalF1(try SessionReader.read(session(in: clean))))
        XCTAssertEqual(try XCTUnwrap(done.manifest.summary).rows.map(\.macroF1.mean),
                       try XCTUnwrap(SessionReader.read(session(in: clean)).manifest.summary).rows.map(\.macroF1.mean))
    }
}

/// Starts the built binary without waiting (for tests that signal it).
func startDeni(_ args: [String], env: [String: String]) throws -> Process {
    let p = Process()
    p.executableURL = deniBinary()
    p.arguments = args
    p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    return p
}
