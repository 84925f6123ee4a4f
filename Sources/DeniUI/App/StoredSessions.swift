import DeniCore
import DeniData
import DeniExperiments
import DeniTraining
import Foundation

/// Saved sessions under a folder, for the UI's browser, replay and resume.
public struct StoredSessions: SessionStore {
    public let folder: URL
    /// Where resumed sessions read their data, and the model to resume with (nil: the one the session recorded).
    public let dataDirectory: URL
    public let model: URL?
    public init(folder: URL, dataDirectory: URL = ProjectPaths.data(), model: URL? = nil) {
        self.folder = folder; self.dataDirectory = dataDirectory; self.model = model
    }

    public func speedSamples() -> [ExperimentEstimate.Sample] { ExperimentEstimate.samples(in: folder) }

    public func list() throws -> [SessionRow] {
        SessionCatalog.list(in: folder).map { s in
            let date = s.created.map { ISO8601DateFormatter().string(from: $0) } ?? "?"
            let best = s.best.map { String(format: "%@ %.2f ± %.2f", $0.strategy, $0.mean, $0.std) }
            return SessionRow(name: s.folder, date: date, dataset: s.dataset ?? "?", strategies: s.strategies,
                              runs: s.runsDone, status: s.status, best: best, varies: s.varies, bestMean: s.best?.mean,
                              tags: s.tags, note: s.note)
        }
    }

    public func load(_ name: String) throws -> LoadedSession {
        let recorded = try SessionReader.read(try SessionCatalog.resolve(name, in: folder))
        return LoadedSession(config: recorded.config, events: recorded.events, table: SessionExport.results(recorded),
                             dataset: recorded.manifest.dataset, model: recorded.manifest.model, over: recorded.status != .running)
    }

    public func rename(_ name: String, to newName: String) throws -> String {
        let moved = try SessionCatalog.rename(try SessionCatalog.resolve(name, in: folder), to: newName)
        return String(moved.path.dropFirst(folder.path.count + 1))
    }

    public func delete(_ name: String) throws -> String {
        let moved = try SessionCatalog.trash(try SessionCatalog.resolve(name, in: folder), sessions: folder)
        return "moved \(name) to \(moved.path)"
    }

    public func saveMeta(_ name: String, tags: [String], note: String?) throws {
        let session = try SessionCatalog.resolve(name, in: folder)
        var meta = try SessionMeta.read(session)
        meta.setTags(tags); meta.note = note
        try meta.write(session)
    }

    public func resume(_ name: String) throws -> SessionResumption {
        let session = try SessionCatalog.resolve(name, in: folder)
        switch try SessionRecording.resume(session, model: model, data: dataDirectory) {
        case let .finished(done, planned):
            return .finished(message: "\(name) is already finished (\(done)/\(planned) runs): nothing to resume")
        case let .resume(writer, runner, config, done, planned):
            let events: [TrainingEvent]
            do { events = try SessionReader.read(session).events } catch { try? writer.markInterrupted(); throw error }
            return .resume(driver: ResumedSessionDriver(writer: writer, runner: runner), config: config, events: events,
                           message: "resuming \(name): \(done)/\(planned) runs finished")
        }
    }
}

extension DatasetChoice {
    /// The registered datasets as the Setup screen lists them, with whether setup put each in `dataDirectory`.
    public static func registered(dataDirectory: URL) -> [DatasetChoice] {
        DatasetRegistry.all.map { info in
            DatasetChoice(key: info.key, title: info.title, classes: info.classNames.count,
                          size: info.files.reduce(0) { $0 + $1.documentedRows }, present: info.isPresent(in: dataDirectory),
                          maxLength: info.maxLength)
        }
    }
}
