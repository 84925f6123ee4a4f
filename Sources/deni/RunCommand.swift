import ArgumentParser
import DeniCore
import DeniData
import DeniExperiments
import DeniTraining
import Foundation

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run",
        abstract: "Run an experiment (strategies × runs), show progress and record a session.",
        discussion: "Defaults: TREC, LoRA, Default vs DENI, 20 runs, the paper's protocol. The session goes to sessions/<time>-<name>/; its config.json reproduces the experiment with --config.\n\n" + ExperimentFields.flagHelp)

    @OptionGroup var options: ExperimentOptions
    @Flag(help: "Machine-readable results.") var json = false
    @Flag(help: "Print the experiment these options resolve to (its config) and stop.") var dryRun = false
    @Option(help: "Sessions folder (default: sessions/ in the project).") var sessions: String?
    @Flag(help: "Start without asking, even when the estimated time is over 5 minutes (needed without a terminal on stdin).") var yes = false

    func run() throws {
        let config = try options.experimentConfig(defaultStrategies: [.standard, .deni], defaultRuns: 20)
        if dryRun { print(String(decoding: try config.encoded(), as: UTF8.self)); return }
        try options.requireModel(config)
        try StartConfirmation.check(config, sessions: ProjectPaths.sessions(sessions), yes: yes)
        let writer = try SessionRecording.start(config, sessions: ProjectPaths.sessions(sessions), model: options.modelURL(config), data: options.dataURL)
        FileHandle.standardError.write(Data("session: \(writer.folder.path)\n".utf8))
        try RecordedExecution.execute(config, writer: writer, runner: ExperimentRunner(dataDirectory: options.dataURL, modelDirectory: options.modelURL(config)),
                                      alreadyDone: 0, json: json)
    }
}

/// A recorded experiment in the terminal: progress on stderr, signals stop it cleanly (the session stays
/// resumable), the results printed at the end.
enum RecordedExecution {
    static func execute(_ config: ExperimentConfig, writer: SessionWriter, runner: ExperimentRunner, alreadyDone: Int, json: Bool) throws {
        let progress = ProgressPrinter(totalRuns: config.runs * config.strategies.count - alreadyDone, batchSize: config.batchSize, quiet: json)
        try execute(config, writer: writer, driver: runner, progress: progress, json: json)
    }

    /// The same through any driver; `progress` nil when the driver's workers print their own.
    static func execute(_ config: ExperimentConfig, writer: SessionWriter, driver: any ExperimentDriver, progress: EventSink?, json: Bool) throws {
        let control = RunControl()
        let signals = SignalStop(control)
        defer { signals.restore() }
        let sink: EventSink = progress ?? FanOut([])
        guard case .finished(let table) = try SessionRecording.record(config, writer: writer, driver: driver, sink: sink, control: control) else {
            FileHandle.standardError.write(Data("interrupted: resume with `deni resume \(writer.folder.path)`\n".utf8))
            throw ExitCode(130)
        }
        if json {
            let report = JSONReport(table: table, skippedRows: writer.currentManifest.dataset.skippedRows)
            print(String(decoding: try SessionFormat.encoder(pretty: true).encode(report), as: UTF8.self))
        } else {
            print(ResultsText.plain(table))
            print("session: \(writer.folder.path)")
        }
    }
}

/// `--json` output of an experiment: the results table's keys, plus `skippedRows` (count and the first problems with
/// their file and line) when `--skip-bad-rows` left rows out.
struct JSONReport: Encodable {
    let table: ResultsTable
    let skippedRows: SkippedRows?

    func encode(to encoder: Encoder) throws {
        try table.encode(to: encoder)
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encodeIfPresent(skippedRows, forKey: AnyKey("skippedRows"))
    }
}

/// SIGINT / SIGTERM request a clean stop: the run in progress is cancelled and the session is marked
/// interrupted (resumable). A second signal exits at once.
final class SignalStop: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    init(_ control: RunControl) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            var count = 0
            s.setEventHandler {
                count += 1
                if count > 1 { exit(130) }
                FileHandle.standardError.write(Data("\nstopping after the current step (signal \(sig)); again to quit at once\n".utf8))
                control.cancelAll()
            }
            s.resume()
            sources.append(s)
        }
    }
    func restore() {
        for s in sources { s.cancel() }
        signal(SIGINT, SIG_DFL); signal(SIGTERM, SIG_DFL)
    }
}
