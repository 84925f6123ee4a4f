import DeniCore
import DeniData
import DeniTraining
import Foundation

/// Recording an experiment as a session, for every front end (`deni run`, `deni resume`, the UI):
/// start (manifest with the model's and data's identity, `config.json`), record (events to the session and to
/// the caller's sink; the session ends finished, interrupted or failed) and resume.
public enum SessionRecording {
    /// The tool version written into each session's machine record.
    public static let toolVersion = "0.1.0"

    /// Starts a session for `config` under `sessions/`, identifying the model folder and the dataset.
    public static func start(_ config: ExperimentConfig, sessions: URL, model: URL, data: URL) throws -> SessionWriter {
        let dataset = try DatasetRegistry.load(config.dataset, dataDirectory: data, options: config.data)
        var identity = try Identities.dataset(config.dataset, dataDirectory: data, classCount: dataset.classNames.count)
        if dataset.skipped.count > 0 { identity.skippedRows = dataset.skipped }
        identity.classNames = dataset.classNames
        return try start(config, sessions: sessions, modelIdentity: try Identities.model(model), datasetIdentity: identity)
    }

    /// Starts a session with identities already computed. `config.json` is the config as run:
    /// `deni run --config` on it replays the experiment bit for bit.
    public static func start(_ config: ExperimentConfig, sessions: URL, modelIdentity: ModelIdentity,
                             datasetIdentity: DatasetIdentity, now: Date = Date()) throws -> SessionWriter {
        let writer = try SessionWriter.create(in: sessions, config: config, modelIdentity: modelIdentity, datasetIdentity: datasetIdentity,
                                              machine: .current(toolVersion: toolVersion, precision: config.precision), now: now)
        let url = writer.folder.appendingPathComponent("config.json")
        do { try config.encoded().write(to: url, options: .atomic) } catch {
            // Nothing ran yet: the session is removed rather than left without its config.
            try? FileManager.default.removeItem(at: writer.folder)
            if let e = error as? SessionError { throw e }
            throw SessionError.io(path: url.path, operation: "writing config.json", detail: FileProblem.describe(error))
        }
        return writer
    }

    public enum Outcome: Equatable, Sendable { case finished(ResultsTable), interrupted }

    /// Runs `config` through `driver`, every event going to the session and to `sink`. A failure marks the
    /// session failed and is rethrown; a cancellation marks it interrupted (resumable); a finished experiment
    /// gets its results derived from the recorded events (what `show` and `report` will derive again).
    /// An event the disk refuses stops the experiment at once (the run in progress is cancelled, as by a signal) and
    /// makes the call throw that error, which names the file and the cause; the session stays resumable.
    public static func record(_ config: ExperimentConfig, writer: SessionWriter, driver: any ExperimentDriver, sink: EventSink,
                              control: RunControl) throws -> Outcome {
        writer.onWriteError = { _ in control.cancelAll() }
        do {
            try driver.run(config, sink: FanOut([writer, sink]), control: control)
        } catch {
            writer.publish(.stopped("\(error)", time: 0))
            try? writer.markFailed("\(error)")
            throw error
        }
        if let e = writer.writeError { throw e }
        if control.isCancelled {
            try writer.markInterrupted()
            return .interrupted
        }
        let table = try SessionReader.read(writer.folder).derivedResults()
        try writer.finish(summary: table)
        return .finished(table)
    }

    /// What resuming a session will do.
    public enum Resumption {
        /// Every planned run finished and the session is closed: nothing to do.
        case finished(done: Int, planned: Int)
        /// The session is reopened for writing; `runner` skips the runs already finished.
        case resume(writer: SessionWriter, runner: ExperimentRunner, config: ExperimentConfig, done: Int, planned: Int)
    }

    /// Reopens an unfinished session. The model is `model` if given, else the folder the session recorded (if
    /// it still exists), else the installed one. The model's weights and the dataset's files must be the ones the
    /// session recorded (their hashes), or the remaining runs would train on something else: refused, naming which.
    /// `identities` computes them (the real files by default).
    public static func resume(_ folder: URL, model: URL?, data: URL,
                              identities: ((ExperimentConfig, URL) throws -> (ModelIdentity, DatasetIdentity))? = nil) throws -> Resumption {
        let recorded = try SessionReader.read(folder)
        let finished = recorded.finishedRuns, config = recorded.config
        let planned = config.runs * config.strategies.count
        if finished.count >= planned && recorded.status == .finished { return .finished(done: finished.count, planned: planned) }
        let recordedModel = recorded.manifest.model.folder
        let modelURL = model ?? (FileManager.default.fileExists(atPath: recordedModel) ? URL(fileURLWithPath: recordedModel) : ProjectPaths.model())
        let (m, d) = try (identities ?? { config, model in
            (try Identities.model(model),
             try Identities.dataset(config.dataset, dataDirectory: data, classCount: recorded.manifest.dataset.classCount))
        })(config, modelURL)
        if d.filesHash != recorded.manifest.dataset.filesHash {
            throw SessionError.refused(path: folder.path, reason: "the dataset '\(config.dataset)' at \(d.path) is not the one this session recorded (files hash \(d.filesHash.prefix(19))…, recorded \(recorded.manifest.dataset.filesHash.prefix(19))…); its remaining runs would train on other data — restore the recorded files, or start a new experiment")
        }
        if let was = recorded.manifest.model.weightsSHA256, let now = m.weightsSHA256, was != now {
            throw SessionError.refused(path: folder.path, reason: "the model at \(modelURL.path) is not the one this session recorded (weights sha256 \(now.prefix(12))…, recorded \(was.prefix(12))…) — pass the recorded model with --model")
        }
        try SlurmArray.refuseIfActive(folder)
        let writer = try SessionWriter.resume(folder)
        // Shards of an interrupted multi-worker sweep join the main log before it goes on in this process.
        try SessionShards.merge(into: writer)
        let runner = ExperimentRunner(dataDirectory: data, modelDirectory: modelURL)
        runner.skip = finished
        return .resume(writer: writer, runner: runner, config: config, done: finished.count, planned: planned)
    }
}

/// The UI's driver: runs the real engine and records every experiment as a session (resumable with
/// `deni resume` when the UI quits or is cancelled mid-way).
public final class RecordingDriver: ExperimentDriver, @unchecked Sendable {
    public let runner: ExperimentRunner
    public let sessions: URL
    public init(runner: ExperimentRunner, sessions: URL) { self.runner = runner; self.sessions = sessions }

    public func run(_ config: ExperimentConfig, sink: EventSink, control: RunControl) throws {
        let model = runner.modelDirectory
        guard FileManager.default.fileExists(atPath: model.appendingPathComponent("model.safetensors").path) else {
            throw ConfigError(message: "no model at \(model.path): \(ProjectPaths.modelHowTo)")
        }
        let writer = try SessionRecording.start(config, sessions: sessions, model: model, data: runner.dataDirectory)
        FanOut([writer, sink]).publish(.log(level: "info", message: "recording session \(writer.folder.lastPathComponent)", time: 0))
        try RecordingDriver.record(config, writer: writer, runner: runner, sink: sink, control: control)
    }

    /// Records `config` into `writer` through `runner`; says how to resume when it is interrupted.
    static func record(_ config: ExperimentConfig, writer: SessionWriter, runner: ExperimentRunner, sink: EventSink, control: RunControl) throws {
        if case .interrupted = try SessionRecording.record(config, writer: writer, driver: runner, sink: sink, control: control) {
            sink.publish(.log(level: "info", message: "session interrupted: deni resume \(writer.folder.lastPathComponent)", time: 0))
        }
    }
}

/// The UI's driver for a session reopened by `SessionRecording.resume` (the path `deni resume` takes): records the
/// remaining runs into it.
public final class ResumedSessionDriver: ExperimentDriver, @unchecked Sendable {
    public let writer: SessionWriter
    public let runner: ExperimentRunner
    public init(writer: SessionWriter, runner: ExperimentRunner) { self.writer = writer; self.runner = runner }

    public func run(_ config: ExperimentConfig, sink: EventSink, control: RunControl) throws {
        try RecordingDriver.record(config, writer: writer, runner: runner, sink: sink, control: control)
    }
}
