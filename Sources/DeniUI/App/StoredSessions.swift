import DeniData
import DeniExperiments
import Foundation

/// Saved sessions under a folder, for the UI's browser and replay.
public struct StoredSessions: SessionStore {
    public let folder: URL
    public init(folder: URL) { self.folder = folder }

    public func speedSamples() -> [ExperimentEstimate.Sample] { ExperimentEstimate.samples(in: folder) }

    public func list() throws -> [SessionRow] {
        SessionCatalog.list(in: folder).map { s in
            let date = s.created.map { ISO8601DateFormatter().string(from: $0) } ?? "?"
            let best = s.best.map { String(format: "%@ %.2f ± %.2f", $0.strategy, $0.mean, $0.std) }
            return SessionRow(name: s.name, date: date, dataset: s.dataset ?? "?", strategies: s.strategies,
                              runs: s.runsDone, status: s.status, best: best, varies: s.varies)
        }
    }

    public func load(_ name: String) throws -> LoadedSession {
        let recorded = try SessionReader.read(try SessionCatalog.resolve(name, in: folder))
        return LoadedSession(config: recorded.config, events: recorded.events, table: SessionExport.results(recorded),
                             dataset: recorded.manifest.dataset, model: recorded.manifest.model)
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
