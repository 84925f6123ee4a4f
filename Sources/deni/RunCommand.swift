import ArgumentParser
import DeniCore
import DeniExperiments
import DeniTraining
import Foundation

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run",
        abstract: "Run an experiment (strategies × runs), show progress and record a session.",
        discussion: "Defaults: TREC, LoRA, Default vs DENI, 20 runs, the paper's protocol. The session goes to sessions/<time>-<name>/; its config.json reproduces the experiment with --config.\n\n" + ExperimentFields.flagHelp)

    @OptionGroup var options: ExperimentOptions
    @Flag(help: "Machine-readable results.") var json = false
    @Option(help: "Sessions folder (default: sessions/ in the project).") var sessions: String?

    func run() throws {
        let config = try options.experimentConfig(defaultStrategies: [.standard, .deni], defaultRuns: 20)
        try options.requireModel(config)
        let writer = try startSession(config, sessions: ProjectPaths.sessions(sessions), options: options)
        try ExperimentExecution.execute(config, writer: writer, runner: ExperimentRunner(dataDirectory: options.dataURL, modelDirectory: options.modelURL(config)), json: json)
    }

    func startSession(_ config: ExperimentConfig, sessions: URL, options: ExperimentOptions) throws -> SessionWriter {
        let writer = try NewSession.create(config, sessions: sessions, model: options.modelURL(config), data: options.dataURL)
        FileHandle.standardError.write(Data("session: \(writer.folder.path)\n".utf8))
        return writer
    }
}

enum DeniVersion { static let string = "0.1.0" }

/// Starts recording a session (from `deni run` or the UI): manifest with the model's and data's identity,
/// and the config as `config.json`, which `deni run --config` replays bit for bit.
enum NewSession {
    static func create(_ config: ExperimentConfig, sessions: URL, model: URL, data: URL) throws -> SessionWriter {
        let classes = try DeniData.DatasetRegistry.load(config.dataset, dataDirectory: data, options: config.data).classNames.count
        let writer = try SessionWriter.create(in: sessions, config: config, modelIdentity: try Identities.model(model),
                                              datasetIdentity: try Identities.dataset(config.dataset, dataDirectory: data, classCount: classes),
                                              machine: .current(toolVersion: DeniVersion.string))
        let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(config).write(to: writer.folder.appendingPathComponent("config.json"), options: .atomic)
        return writer
    }
}

/// Runs a config into a session: signals stop it cleanly (the session stays resumable), the results are
/// derived from the recorded events and printed.
enum ExperimentExecution {
    static func execute(_ config: ExperimentConfig, writer: SessionWriter, runner: ExperimentRunner, json: Bool) throws {
        let control = RunControl()
        let signals = SignalStop(control)
        defer { signals.restore() }
        let done = SessionReader.finishedRunCount(writer)
        let progress = ProgressPrinter(totalRuns: config.runs * config.strategies.count - done, batchSize: config.batchSize, quiet: json)
        guard case .finished(let table) = try SessionRun.record(config, writer: writer, runner: runner, sink: progress, control: control) else {
            FileHandle.standardError.write(Data("interrupted: resume with `deni resume \(writer.folder.path)`\n".utf8))
            throw ExitCode(130)
        }
        if json {
            print(String(decoding: try SessionFormat.encoder(pretty: true).encode(table), as: UTF8.self))
        } else {
            print(ResultsText.plain(table))
            print("session: \(writer.folder.path)")
        }
    }
}

/// Runs an experiment into a session writer: a failure marks the session failed, a cancellation marks it
/// interrupted (resumable), and a finished experiment gets the results derived from its recorded events.
enum SessionRun {
    enum Outcome { case finished(ResultsTable), interrupted }

    static func record(_ config: ExperimentConfig, writer: SessionWriter, runner: ExperimentRunner, sink: EventSink,
                       control: RunControl) throws -> Outcome {
        do {
            try runner.run(config, sink: FanOut([writer, sink]), control: control)
        } catch {
            try? writer.markFailed("\(error)")
            throw error
        }
        if let e = writer.writeError { throw ValidationError("session could not be written: \(e)") }
        if control.isCancelled {
            try writer.markInterrupted()
            return .interrupted
        }
        let table = try SessionReader.read(writer.folder).derivedResults()
        try writer.finish(summary: table)
        return .finished(table)
    }
}

extension SessionReader {
    static func finishedRunCount(_ writer: SessionWriter) -> Int {
        ((try? SessionReader.finishedRuns(in: writer.folder)) ?? []).count
    }
}

import DeniData

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
