import DeniExperiments
import DeniTraining

public enum Screen: String, Hashable, Sendable { case setup, live, results, sessions, replay, compare }

public enum Overlay: Hashable, Sendable {
    case help
    case confirmQuit, confirmCancelAll, confirmCancelRun
    /// Start the experiment in `AppState.pendingStart` (its estimate is over `LongRunRule.threshold`)?
    case confirmStart
    /// The user's data file as training reads it (`SetupState.preview`).
    case dataPreview
    /// Delete (move to the trash) the session with this folder name?
    case confirmDeleteSession(String)
    case message(title: String, text: String)
}

public enum TrainingStatus: Hashable, Sendable {
    case idle, running, paused
    /// Cancel requested; waiting for the driver to return.
    case stopping
    case finished, cancelled
    case failed(String)

    public var isActive: Bool { self == .running || self == .paused || self == .stopping }
    public var label: String {
        switch self {
        case .idle: "idle"
        case .running: "running"
        case .paused: "paused"
        case .stopping: "stopping…"
        case .finished: "finished"
        case .cancelled: "cancelled"
        case .failed: "failed"
        }
    }
}

public enum ChartMode: String, Hashable, Sendable { case runs, strategies }
public enum MetricKind: String, Hashable, Sendable { case macroF1 = "macro-F1", accuracy }

/// Y ranges of the live charts; recomputed at most once a second so the charts do not jitter.
public struct ChartRanges: Hashable, Sendable {
    public var steps: ClosedRange<Double>
    public var loss: ClosedRange<Double>
    public var metric: ClosedRange<Double>
}

/// View options of a live or replayed experiment.
public struct ExperimentView: Hashable, Sendable {
    public var selectedRun = 0
    /// The selection moves to each run as it starts (until the user selects an older one).
    public var followsNewest = true
    public var chartMode = ChartMode.strategies
    public var metric = MetricKind.macroF1
    public var ranges: ChartRanges?
    public var rangesTime = -Double.infinity
    /// The log pane has the movement keys (it scrolls) and is drawn taller; L or Esc gives them back.
    public var logFocus = false
    /// Log lines hidden below the pane (0: the newest line is at the bottom and new lines scroll in).
    public var logScroll = 0
    public init() {}
}

public enum ResultsColumn: String, CaseIterable, Hashable, Sendable {
    case strategy, mean, std, min, max, failed, cost, significance
    public var next: ResultsColumn { let a = ResultsColumn.allCases; return a[(a.firstIndex(of: self)! + 1) % a.count] }
}

public enum ResultsDrill: Hashable, Sendable {
    case table
    case strategy(String)
    case run(RunID)
}

public struct ResultsState: Hashable, Sendable {
    public var sort = ResultsColumn.mean
    public var descending = true
    public var cursor = 0
    public var runCursor = 0
    public var drill = ResultsDrill.table
    /// A sweep's chart: the heat map over its first two varied settings instead of the lines.
    public var heatMap = false
}

public enum ExperimentSource: Hashable, Sendable { case live, replay }

/// What the Sessions list is sorted by (s cycles, S reverses).
public enum SessionsSort: String, CaseIterable, Hashable, Sendable {
    case date, name, dataset, best, runs
    public var next: SessionsSort { let a = SessionsSort.allCases; return a[(a.firstIndex(of: self)! + 1) % a.count] }
}

/// A line being typed on the Sessions screen: the filter (applied as it is typed), or a new name, tags or a note
/// for session `target`.
public struct SessionPrompt: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable { case filter, rename, tags, note }
    public var kind: Kind
    public var target: String
    public var text: String
}

public struct SessionsState: Hashable, Sendable {
    public var listings: [SessionRow] = []
    /// Index into `AppState.visibleSessions` (the filtered, sorted list).
    public var cursor = 0
    /// Sessions marked for comparison, in the order they were marked.
    public var marks: [String] = []
    public var loading: String?
    public var error: String?
    public var loaded = false
    public var sort = SessionsSort.date
    public var descending = false
    /// Case-insensitive text every shown session's name, dataset, tags or strategies contain.
    public var filter = ""
    public var prompt: SessionPrompt?
    /// What the last operation did or why it was refused (one line under the title).
    public var notice: String?
}

public struct CompareState: Hashable, Sendable {
    /// Sessions a comparison takes at most (the chart marks session k with the digit k).
    public static let maxSessions = 9
    public var names: [String]
    public var models: [ExperimentModel]
    /// The same comparison `deni compare` prints: each session's strategies tested against S1's (paired where
    /// seeds agree), with the warnings about other data or weights.
    public var comparison: SessionComparison
    /// One style per strategy across all the sessions (`StrategyStyles` over S1's strategies, then the others').
    public var styles: StrategyStyles
    public var cursor = 0

    public init(names: [String], models: [ExperimentModel], comparison: SessionComparison) {
        self.names = names; self.models = models; self.comparison = comparison
        styles = StrategyStyles(comparison.rows.map(\.strategy))
    }

    public static func == (l: CompareState, r: CompareState) -> Bool {
        l.names == r.names && l.models == r.models && l.comparison == r.comparison && l.cursor == r.cursor
    }
    public func hash(into h: inout Hasher) { h.combine(names); h.combine(cursor) }
}

public struct EngineUsage: Hashable, Sendable {
    public var cpuPercent: Double
    public var residentBytes: Int
}

/// An experiment whose start waits for a yes, with the estimate the question shows.
public struct PendingStart: Hashable, Sendable {
    public var config: ExperimentConfig
    public var estimate: ExperimentEstimate
}

/// Everything the screen shows. Changed only by `reduce`.
public struct AppState: Hashable, Sendable {
    public static let minWidth = 60, minHeight = 16

    public var screen = Screen.setup
    public var overlay: Overlay?
    /// First line shown by the help overlay (j/k scroll it).
    public var helpScroll = 0
    public var width: Int
    public var height: Int
    public var theme: ThemeKind
    public var ascii: Bool
    public var setup: SetupState
    public var training = TrainingStatus.idle
    /// Experiments started from Setup while one was training; each starts when the one before it ends.
    public var queue: [ExperimentConfig] = []
    /// The experiment waiting for the start confirmation.
    public var pendingStart: PendingStart?
    /// What the training engine uses now (the header shows it while training).
    public var engineUsage: EngineUsage?
    public var live: ExperimentModel?
    /// The results of the live experiment's runs ended so far (`ExperimentModel.results()`), exactly as the
    /// session's summary will be; re-derived when a run ends.
    public var liveTable: ResultsTable?
    public var liveView = ExperimentView()
    public var replay: ReplayPlayer?
    public var replayView = ExperimentView()
    public var resultsSource = ExperimentSource.live
    public var results = ResultsState()
    public var sessions = SessionsState()
    public var compare: CompareState?
    /// Seconds on the app's monotonic clock at the last tick.
    public var now = 0.0
    /// Bumped whenever something visible may have changed; the app redraws when it moves.
    public var revision = 0
    /// Set when the app should leave with this code (after the driver, if any, has returned).
    public var exitCode: Int32?
    /// Quit was confirmed while training; leave once the driver returns.
    public var exitAfterTraining = false
    /// The code to leave with once training has stopped (128 + signal after SIGINT/SIGTERM).
    public var deferredExitCode: Int32 = 0

    public init(width: Int, height: Int, setup: SetupState, theme: ThemeKind = .dark, ascii: Bool = false) {
        self.width = width; self.height = height; self.setup = setup; self.theme = theme; self.ascii = ascii
    }

    public var glyphs: Glyphs { ascii ? .asciiSet : .unicodeSet }
    public var tooSmall: Bool { width < AppState.minWidth || height < AppState.minHeight }

    public var keyContext: KeyContext {
        switch screen {
        case .setup: .setup
        case .live: .live
        case .results: .results
        case .sessions: .sessions
        case .replay: .replay
        case .compare: .compare
        }
    }

    /// The experiment the Results screen shows.
    public var resultsModel: ExperimentModel? { resultsSource == .replay ? replay?.model : live }
    public var resultsTable: ResultsTable? { resultsSource == .replay ? replay?.table : liveTable }
}
