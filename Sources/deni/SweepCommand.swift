import ArgumentParser
import DeniCore
import DeniExperiments
import DeniTraining
import Foundation

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sweep",
        abstract: "Sweep strategy settings over a grid or a random search; one session, local worker processes.",
        discussion: """
        Each --vary names a strategy setting of the field table and its values: a list (deni.noiseVariance=0.05,0.15,0.3) or a \
        range stepped on a linear or log scale (deni.noiseVariance=0.01:1:5log, deni.ensembleSize=3:9:4). Every strategy the \
        settings apply to runs once per point (a variant labelled by what differs from its defaults, "DENI · σ² 0.05 · K 5"); \
        every other strategy (Default, Ensemble…) runs once as the baseline all points are paired with: run i of every point \
        and baseline shares run i's seeds. Experiment-level settings vary too (lr=1e-4,5e-4, samples=100,1000, \
        tuning.loraRank=4,8…; not runs, threads, seed, dataset or data columns): then every baseline runs once per distinct \
        value of them, and each point is paired with the Default trained under its own values. --random N draws N points instead of the full grid (ranges sampled on their scale).
        The sweep is one session (its config records the plan); `deni resume` continues it, `show`, `compare`, `report` and \
        the UI read it like any experiment. --workers N trains on N processes, each with the config's thread count: results \
        do not depend on N (default: this machine's cores ÷ the config's threads, at least 1).
        --slurm submits the sweep as a Slurm job array instead (the session folder must be on the cluster's shared file \
        system): slurm/sweep.sbatch in the session runs `deni sweep --worker SESSION --task K` for array task K, which \
        trains --tasks-per-job consecutive (run, strategy) tasks into its own shard. `deni sweep --status SESSION` tells \
        which array tasks are done, running, pending or failed (from the shards, squeue and sacct); `--resubmit-failed \
        SESSION` resubmits only the failed ones. The last array task to finish merges the shards and closes the session.

        """ + ExperimentFields.flagHelp)

    @OptionGroup var options: ExperimentOptions
    @Option(name: .customLong("vary"), help: ArgumentHelp("A varied setting (repeatable): KEY=V1,V2,… or KEY=LOW:HIGH:N[log|lin].", valueName: "key=values"))
    var axes: [String] = []
    @Option(help: "Draw this many random points instead of the full grid.") var random: Int?
    @Option(help: "Seed of the random search (not the runs' seeds: --seed).") var randomSeed: UInt64 = 0
    @Option(help: "Worker processes, each with the config's threads (default: cores ÷ threads, at least 1).") var workers: Int?
    @Flag(help: "Print the expanded experiment (its config) and stop.") var dryRun = false
    @Flag(help: "Machine-readable results.") var json = false
    @Option(help: "Sessions folder (default: sessions/ in the project).") var sessions: String?
    @Flag(help: "Submit the sweep as a Slurm job array (sbatch) instead of training here.") var slurm = false
    @Option(help: "Slurm partition (default: the cluster's default).") var partition: String?
    @Option(help: "Slurm time limit of each array task (e.g. 2:00:00).") var time: String?
    @Option(help: "CPUs of each array task (default: the config's threads).") var cpusPerTask: Int?
    @Option(help: "Tasks (run × strategy) each array task trains.") var tasksPerJob: Int = 1
    @Option(help: ArgumentHelp("Show where a Slurm sweep's array tasks stand (done, running, pending, failed).", valueName: "session"))
    var status: String?
    @Option(help: ArgumentHelp("Resubmit the failed array tasks of a Slurm sweep.", valueName: "session"))
    var resubmitFailed: String?
    @Flag(help: "Start without asking, even when the estimated time is over 5 minutes (needed without a terminal on stdin).") var yes = false
    @Option(help: .hidden) var worker: String?
    @Option(help: .hidden) var shard: String?
    @Option(help: .hidden) var task: Int?

    func run() throws {
        if let folder = worker { return try runWorker(folder) }
        if let session = status { return try showStatus(session) }
        if let session = resubmitFailed { return try resubmit(session) }
        guard tasksPerJob >= 1 else { throw ValidationError("--tasks-per-job \(tasksPerJob): at least 1") }
        if let c = cpusPerTask, c < 1 { throw ValidationError("--cpus-per-task \(c): at least 1") }
        if slurm && workers != nil { throw ValidationError("--slurm and --workers: the array's tasks are the workers; pass one of them") }
        if let problem = SlurmOptions(partition: partition, time: time, cpusPerTask: 1).problem { throw ValidationError(problem) }
        if slurm, ExternalTool.find("sbatch") == nil { throw ValidationError(SlurmArray.Failure.noSlurm(tool: "sbatch").description) }
        if let w = workers, !(1...256).contains(w) { throw ValidationError("--workers \(w): 1…256") }
        let base = try options.experimentConfig(defaultStrategies: [.standard, .deni], defaultRuns: 5)
        let plan: SweepPlan
        var config: ExperimentConfig
        do throws(FieldError) {
            plan = SweepPlan(axes: try axes.map { a throws(FieldError) in try SweepAxis.parse(a) }, random: random, seed: randomSeed)
            config = try plan.experiment(base)
        } catch { throw ValidationError(error.message) }
        if !options.settingFlags.contains("--name") && options.config == nil { config.name = base.name + "-sweep" }
        do { try config.validate() } catch { throw ValidationError("\(error)") }
        if dryRun {
            print(String(decoding: try config.encoded(), as: UTF8.self))
            return
        }
        let workers = self.workers ?? WorkerPoolDriver.defaultWorkers(threads: config.threads)
        try options.requireModel(config)
        try StartConfirmation.check(config, sessions: ProjectPaths.sessions(sessions), yes: yes)
        let points = try plan.points().count
        let writer = try SessionRecording.start(config, sessions: ProjectPaths.sessions(sessions), model: options.modelURL(config), data: options.dataURL)
        FileHandle.standardError.write(Data("session: \(writer.folder.path)\n\(points) point(s); \(config.strategies.count) strategies (variants and baselines) × \(config.runs) runs; \(slurm ? "a Slurm job array" : "\(workers) worker(s)")\n".utf8))
        if slurm { return try submit(config, writer: writer, points: points) }
        let runner = ExperimentRunner(dataDirectory: options.dataURL, modelDirectory: options.modelURL(config))
        if workers == 1 {
            try RecordedExecution.execute(config, writer: writer, runner: runner, alreadyDone: 0, json: json)
        } else {
            let pool = WorkerPoolDriver(session: writer.folder, workers: workers, executable: Self.executable,
                                        model: options.modelURL(config), data: options.dataURL)
            try RecordedExecution.execute(config, writer: writer, driver: pool, progress: nil, json: json)
        }
    }

    /// Submits the recorded sweep as a Slurm array. A failed submission removes the session: nothing half-recorded.
    func submit(_ config: ExperimentConfig, writer: SessionWriter, points: Int) throws {
        let slurmOptions = SlurmOptions(partition: partition, time: time, cpusPerTask: cpusPerTask ?? config.threads, tasksPerJob: tasksPerJob)
        let submission: SlurmSubmission
        do {
            submission = try SlurmArray.submit(session: writer.folder, config: config, executable: Self.executable,
                                               model: options.modelURL(config), data: options.dataURL, options: slurmOptions)
            try writer.markInterrupted()
        } catch {
            try? FileManager.default.removeItem(at: writer.folder)
            throw ValidationError("\(error)")
        }
        let job = submission.jobs[0].id
        if slurmOptions.cpusPerTask < config.threads {
            FileHandle.standardError.write(Data("warning: --cpus-per-task \(slurmOptions.cpusPerTask) is below the config's \(config.threads) threads: each array task will oversubscribe its CPUs\n".utf8))
        }
        if json {
            print(#"{"session": "\#(writer.folder.path)", "job": "\#(job)", "arrayTasks": \#(submission.arraySize)}"#)
        } else {
            print("submitted Slurm job \(job): \(submission.arraySize) array task(s) × \(tasksPerJob) task(s) for \(points) point(s)")
            print("status: deni sweep --status \(writer.folder.path)")
        }
    }

    func showStatus(_ session: String) throws {
        let folder = try SessionCatalog.resolve(session, in: ProjectPaths.sessions(sessions))
        _ = try? SlurmArray.finishIfComplete(folder)
        let state = try SlurmArray.status(folder)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(state), as: UTF8.self))
            return
        }
        print(SweepStatusText.render(state))
    }

    func resubmit(_ session: String) throws {
        let folder = try SessionCatalog.resolve(session, in: ProjectPaths.sessions(sessions))
        let tasks = try SlurmArray.resubmitFailed(folder)
        print(tasks.isEmpty ? "no failed array task: nothing resubmitted" : "resubmitted array task(s) \(tasks.map(String.init).joined(separator: ","))")
    }

    /// `deni sweep --worker SESSION (--shard NAME | --task K)`: one worker, started by --workers (a shard name,
    /// tasks by claim) or as Slurm array task K (its fixed share, shard `task-K`).
    func runWorker(_ path: String) throws {
        let folder = URL(fileURLWithPath: path)
        let config = try SessionReader.readManifest(folder).config
        var share: Range<Int>?
        let name: String
        if let k = task {
            guard let submission = try SlurmArray.submission(folder) else { throw ValidationError(SlurmArray.Failure.notSlurm(path: path).description) }
            guard k >= 0, k < submission.arraySize else { throw ValidationError("--task \(k): the array has tasks 0…\(submission.arraySize - 1)") }
            share = SweepTasks(config).share(k, perJob: submission.options.tasksPerJob)
            name = "task-\(k)"
        } else {
            guard let s = shard, !s.isEmpty, s.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw ValidationError("--worker needs --shard NAME (letters, digits, - and _) or --task K")
            }
            name = s
        }
        let control = RunControl()
        let signals = SignalStop(control)
        defer { signals.restore() }
        // A local worker (a shard, not a Slurm task) stops when the `deni sweep` that started it is gone: left
        // running, it would keep claiming tasks while a `deni resume` starts new workers on the same session.
        var watch: DispatchSourceTimer?
        if task == nil {
            let parent = getppid()
            if parent == 1 { throw ValidationError("the deni sweep that started this worker has exited; run deni resume \(path)") }
            let timer = DispatchSource.makeTimerSource(queue: .global())
            timer.schedule(deadline: .now() + 1, repeating: 1)
            timer.setEventHandler {
                guard getppid() != parent, !control.isCancelled else { return }
                FileHandle.standardError.write(Data("[\(name)] the deni sweep that started this worker exited; stopping\n".utf8))
                control.cancelAll()
            }
            timer.resume()
            watch = timer
        }
        defer { watch?.cancel() }
        let progress = ProgressPrinter(totalRuns: share?.count ?? config.runs * config.strategies.count, batchSize: config.batchSize, prefix: "[\(name)] ")
        try SweepWorker.run(session: folder, worker: name, share: share, model: options.modelURL(config), data: options.dataURL,
                            sink: progress, control: control)
        if control.isCancelled { throw ExitCode(130) }
        if share != nil, try SlurmArray.finishIfComplete(folder) {
            FileHandle.standardError.write(Data("[\(name)] every run finished: shards merged, session closed\n".utf8))
        }
    }

    /// This executable (workers are more of it).
    static var executable: URL { Bundle.main.executableURL ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath() }
}
