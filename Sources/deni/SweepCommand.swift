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
        and baseline shares run i's seeds. --random N draws N points instead of the full grid (ranges sampled on their scale).
        The sweep is one session (its config records the plan); `deni resume` continues it, `show`, `compare`, `report` and \
        the UI read it like any experiment. --workers N trains on N processes, each with the config's thread count: results \
        do not depend on N.

        """ + ExperimentFields.flagHelp)

    @OptionGroup var options: ExperimentOptions
    @Option(name: .customLong("vary"), help: ArgumentHelp("A varied setting (repeatable): KEY=V1,V2,… or KEY=LOW:HIGH:N[log|lin].", valueName: "key=values"))
    var axes: [String] = []
    @Option(help: "Draw this many random points instead of the full grid.") var random: Int?
    @Option(help: "Seed of the random search (not the runs' seeds: --seed).") var randomSeed: UInt64 = 0
    @Option(help: "Worker processes (each uses the config's threads).") var workers: Int = 1
    @Flag(help: "Print the expanded experiment (its config) and stop.") var dryRun = false
    @Flag(help: "Machine-readable results.") var json = false
    @Option(help: "Sessions folder (default: sessions/ in the project).") var sessions: String?
    @Option(help: .hidden) var worker: String?
    @Option(help: .hidden) var shard: String?

    func run() throws {
        if let folder = worker { return try runWorker(folder) }
        guard workers >= 1, workers <= 256 else { throw ValidationError("--workers \(workers): 1…256") }
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
        try options.requireModel(config)
        let points = try plan.points().count
        let writer = try SessionRecording.start(config, sessions: ProjectPaths.sessions(sessions), model: options.modelURL(config), data: options.dataURL)
        FileHandle.standardError.write(Data("session: \(writer.folder.path)\n\(points) point(s); \(config.strategies.count) strategies (variants and baselines) × \(config.runs) runs; \(workers) worker(s)\n".utf8))
        let runner = ExperimentRunner(dataDirectory: options.dataURL, modelDirectory: options.modelURL(config))
        if workers == 1 {
            try RecordedExecution.execute(config, writer: writer, runner: runner, alreadyDone: 0, json: json)
        } else {
            let pool = WorkerPoolDriver(session: writer.folder, workers: workers, executable: Self.executable,
                                        model: options.modelURL(config), data: options.dataURL)
            try RecordedExecution.execute(config, writer: writer, driver: pool, progress: nil, json: json)
        }
    }

    /// `deni sweep --worker SESSION --shard NAME`: one worker (started by --workers, or by a Slurm array task).
    func runWorker(_ path: String) throws {
        guard let name = shard, !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ValidationError("--worker needs --shard NAME (letters, digits, - and _)")
        }
        let folder = URL(fileURLWithPath: path)
        let config = try SessionReader.readManifest(folder).config
        let control = RunControl()
        let signals = SignalStop(control)
        defer { signals.restore() }
        let progress = ProgressPrinter(totalRuns: config.runs * config.strategies.count, batchSize: config.batchSize, prefix: "[\(name)] ")
        try SweepWorker.run(session: folder, worker: name, model: options.modelURL(config), data: options.dataURL, sink: progress, control: control)
        if control.isCancelled { throw ExitCode(130) }
    }

    /// This executable (workers are more of it).
    static var executable: URL { Bundle.main.executableURL ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath() }
}
