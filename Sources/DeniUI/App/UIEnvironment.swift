import Foundation
import DeniCore
import DeniExperiments
import DeniTraining

/// A dataset the Setup screen offers (the lead adapts the dataset registry to this).
public struct DatasetChoice: Hashable, Sendable {
    /// Registry key written into `ExperimentConfig.dataset` (e.g. "trec").
    public var key: String
    public var title: String
    public var classes: Int
    /// Training examples available.
    public var size: Int
    /// Whether the files are on disk.
    public var present: Bool
    /// The paper's maximum sequence length for this dataset.
    public var maxLength: Int
    public init(key: String, title: String, classes: Int, size: Int, present: Bool, maxLength: Int) {
        self.key = key; self.title = title; self.classes = classes; self.size = size; self.present = present; self.maxLength = maxLength
    }
}

/// One saved session as the Sessions screen lists it.
public struct SessionRow: Hashable, Sendable {
    /// Its folder under the sessions folder: what `SessionStore` takes to load, rename, delete or resume it.
    public var name: String
    /// When it was created, as text (ISO-8601 or similar; shown verbatim, sorted as text).
    public var date: String
    public var dataset: String
    public var strategies: [String]
    public var runs: Int
    /// "finished", "running", "interrupted", "failed"…; shown verbatim. "running": a process is writing it.
    public var status: String
    /// Best strategy and score, e.g. "DENI 91.2"; nil when not known.
    public var best: String?
    /// What the session varies (a sweep's settings and values, or its number of variants); nil for neither.
    public var varies: String?
    /// The best strategy's mean macro-F1 (what "best" sorts by).
    public var bestMean: Double?
    /// The user's tags and note (`SessionMeta`).
    public var tags: [String]
    public var note: String?
    public init(name: String, date: String, dataset: String, strategies: [String], runs: Int, status: String, best: String?,
                varies: String? = nil, bestMean: Double? = nil, tags: [String] = [], note: String? = nil) {
        self.name = name; self.date = date; self.dataset = dataset; self.strategies = strategies; self.runs = runs
        self.status = status; self.best = best; self.varies = varies; self.bestMean = bestMean; self.tags = tags; self.note = note
    }
}

/// What resuming a session from the Sessions browser gives: nothing to do, or a driver that goes on recording it.
public enum SessionResumption: Sendable {
    case finished(message: String)
    /// `events` are those recorded so far (the live view starts from them).
    case resume(driver: any ExperimentDriver, config: ExperimentConfig, events: [TrainingEvent], message: String)
}

/// A session read back for replay: its config, recorded events and (if it finished) the runner's table.
public struct LoadedSession: Hashable, Sendable {
    public var config: ExperimentConfig
    public var events: [TrainingEvent]
    public var table: ResultsTable?
    /// What the session ran on (from its manifest), for the Compare screen's warnings; nil when unknown.
    public var dataset: DatasetIdentity?
    public var model: ModelIdentity?
    /// No process is writing the session any more: runs without a `run_end` were interrupted (replay marks them so
    /// at the end, as the live view did when training stopped).
    public var over: Bool
    public init(config: ExperimentConfig, events: [TrainingEvent], table: ResultsTable?, dataset: DatasetIdentity? = nil,
                model: ModelIdentity? = nil, over: Bool = true) {
        self.config = config; self.events = events; self.table = table; self.dataset = dataset; self.model = model; self.over = over
    }
}

/// A session load failure with a message fit for the screen (file, line, problem).
public struct SessionLoadError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Saved sessions, as the UI needs them. Called only from the UI thread.
public protocol SessionStore: Sendable {
    func list() throws -> [SessionRow]
    /// Loads one session; throws (any error, its description is shown) when it cannot be read.
    func load(_ name: String) throws -> LoadedSession
    /// The speed records of the finished sessions, for the start estimate (`ExperimentEstimate.samples`).
    func speedSamples() -> [ExperimentEstimate.Sample]
    /// Renames a session's folder; returns its new name. Refused (thrown) while it is being written.
    func rename(_ name: String, to newName: String) throws -> String
    /// Deletes a session; returns what happened, in words. Refused (thrown) while it is being written.
    func delete(_ name: String) throws -> String
    /// Replaces a session's tags and note.
    func saveMeta(_ name: String, tags: [String], note: String?) throws
    /// Reopens an unfinished session for recording (what `deni resume` does).
    func resume(_ name: String) throws -> SessionResumption
}

extension SessionStore {
    public func speedSamples() -> [ExperimentEstimate.Sample] { [] }
}

/// What `runTerminalUI` needs from the rest of the workbench.
public struct UIEnvironment: Sendable {
    public var driver: any ExperimentDriver
    public var sessions: any SessionStore
    public var datasets: [DatasetChoice]
    public var initialConfig: ExperimentConfig
    /// The default model folder (shown in Setup when the config leaves `modelPath` nil).
    public var modelPath: String
    /// Where user presets are saved as `<name>.json`; nil disables saving.
    public var presetsDirectory: URL?
    /// While the screen is active, stderr is redirected here (anything printed would corrupt the screen).
    public var logFile: URL?
    /// Force ASCII glyphs even in a UTF-8 locale.
    public var forceASCII: Bool
    /// Start in this theme (NO_COLOR in the environment forces `.mono`).
    public var theme: ThemeKind
    /// Open this session's replay at start (`deni replay SESSION`).
    public var initialSession: String? = nil
    /// Where the registered datasets are (Setup's data preview reads user files by their own path): the folder the
    /// driver and the session store were given, passed in with them.
    public let dataDirectory: URL

    public init(driver: any ExperimentDriver, sessions: any SessionStore, datasets: [DatasetChoice],
                initialConfig: ExperimentConfig, modelPath: String, dataDirectory: URL, presetsDirectory: URL? = nil,
                logFile: URL? = nil, forceASCII: Bool = false, theme: ThemeKind = .dark) {
        self.driver = driver; self.sessions = sessions; self.datasets = datasets; self.initialConfig = initialConfig
        self.modelPath = modelPath; self.dataDirectory = dataDirectory
        self.presetsDirectory = presetsDirectory; self.logFile = logFile
        self.forceASCII = forceASCII; self.theme = theme
    }
}
