/// Keys, the commands they trigger, and the one table both the dispatcher and the `?` overlay read.

public enum Key: Hashable, Sendable {
    case char(Character)
    case up, down, left, right, enter, escape, tab, backTab, backspace, delete, pageUp, pageDown, home, end
    /// Ctrl + letter (lowercase), e.g. `.ctrl("l")`.
    case ctrl(Character)

    public var label: String {
        switch self {
        case .char(" "): "space"
        case .char(let c): String(c)
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .enter: "Enter"
        case .escape: "Esc"
        case .tab: "Tab"
        case .backTab: "S-Tab"
        case .backspace: "Bksp"
        case .delete: "Del"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .ctrl(let c): "^" + String(c).uppercased()
        }
    }
}

/// Where a binding applies. `.global` bindings work on every screen unless a screen binds the same key.
public enum KeyContext: String, CaseIterable, Sendable {
    case global, setup, live, results, sessions, replay, compare
}

public enum Command: Hashable, Sendable {
    // Movement (every list).
    case up, down, left, right, pageUp, pageDown, top, bottom
    case select, toggle, back, quit, help, cycleTheme, toggleASCII, redraw
    case showSetup, showLive, showResults, showSessions
    // Setup.
    case startTraining, savePreset, cyclePreset, previewData
    // Live / replay view.
    case pauseResume, cancelRun, cancelAll, chartMode, metric, focusLog
    // Results.
    case sortNext, sortReverse, sweepChart, copyToSetup
    // Sessions.
    case markCompare, refresh, filter, editTags, editNote, rename, delete, loadConfig, resumeSession
    // Replay.
    case faster, slower, instant, stepEvent, seekBack, seekForward
}

public struct KeyBinding: Sendable {
    public var keys: [Key]
    public var description: String
    public var context: KeyContext
    public var command: Command
    /// Shown in the status bar of its context.
    public var hint: Bool
}

public enum KeyTable {
    private static func b(_ keys: [Key], _ d: String, _ c: KeyContext, _ cmd: Command, hint: Bool = false) -> KeyBinding {
        KeyBinding(keys: keys, description: d, context: c, command: cmd, hint: hint)
    }

    /// The single source of key bindings.
    public static let bindings: [KeyBinding] = [
        b([.char("?")], "this help", .global, .help, hint: true),
        b([.char("q"), .escape], "back / quit (asks while training)", .global, .back, hint: true),
        b([.ctrl("c")], "quit (asks while training)", .global, .quit),
        b([.char("k"), .up], "move up", .global, .up),
        b([.char("j"), .down], "move down", .global, .down),
        b([.char("h"), .left], "previous value / left", .global, .left),
        b([.char("l"), .right], "next value / right", .global, .right),
        b([.pageUp, .ctrl("b")], "page up", .global, .pageUp),
        b([.pageDown, .ctrl("f")], "page down", .global, .pageDown),
        b([.char("g"), .home], "first item", .global, .top),
        b([.char("G"), .end], "last item", .global, .bottom),
        b([.enter], "open / edit / confirm", .global, .select),
        b([.char("1")], "Setup screen", .global, .showSetup),
        b([.char("2")], "Live screen (training)", .global, .showLive),
        b([.char("3")], "Results screen", .global, .showResults),
        b([.char("4")], "Sessions browser", .global, .showSessions),
        b([.char("T")], "cycle theme: dark, light, monochrome", .global, .cycleTheme),
        b([.char("A")], "toggle ASCII glyphs", .global, .toggleASCII),
        b([.ctrl("l")], "redraw the screen", .global, .redraw),

        b([.char(" ")], "toggle strategy / switch", .setup, .toggle, hint: true),
        b([.char("s")], "start (queued while training; asks if over 5 min)", .setup, .startTraining, hint: true),
        b([.char("P")], "next preset (paper, quick look, saved)", .setup, .cyclePreset, hint: true),
        b([.char("W")], "save the current setup as a preset", .setup, .savePreset),
        b([.char("D")], "preview your data file: columns, classes, first rows", .setup, .previewData),

        b([.char("p"), .char(" ")], "pause / resume training", .live, .pauseResume, hint: true),
        b([.char("c")], "cancel the current run", .live, .cancelRun, hint: true),
        b([.char("C")], "cancel all runs", .live, .cancelAll, hint: true),
        b([.char("m")], "chart: per-run curves / strategy mean ± std", .live, .chartMode, hint: true),
        b([.char("f")], "test metric: macro-F1 / accuracy", .live, .metric, hint: true),
        b([.char("L")], "focus the log: j/k PgUp/PgDn g/G scroll it; L or Esc leaves", .live, .focusLog, hint: true),

        b([.char("s")], "sort by the next column", .results, .sortNext, hint: true),
        b([.char("S")], "reverse the sort", .results, .sortReverse),
        b([.char("v")], "sweep chart: lines / heat map of the first two varied settings", .results, .sweepChart),
        b([.char("y")], "copy the row's settings (a sweep point) into Setup", .results, .copyToSetup, hint: true),

        b([.char(" ")], "mark / unmark for comparison", .sessions, .toggle, hint: true),
        b([.char("c")], "compare the marked sessions and this one (2 to 9; alone: mark it)", .sessions, .markCompare, hint: true),
        b([.char("/")], "filter by name, dataset, tag or strategy (as you type; Esc clears)", .sessions, .filter, hint: true),
        b([.char("s")], "sort by the next column: date, name, dataset, best, runs", .sessions, .sortNext, hint: true),
        b([.char("S")], "reverse the sort", .sessions, .sortReverse),
        b([.char("t")], "edit the session's tags (comma-separated)", .sessions, .editTags),
        b([.char("n")], "edit the session's note", .sessions, .editNote),
        b([.char("N")], "rename the session's folder", .sessions, .rename),
        b([.char("D")], "delete the session (asks; moves it to the sessions folder's .trash/)", .sessions, .delete),
        b([.char("e")], "load the session's config into Setup", .sessions, .loadConfig, hint: true),
        b([.char("R")], "resume an interrupted session (as deni resume)", .sessions, .resumeSession),
        b([.char("r")], "reload the list", .sessions, .refresh),

        b([.char(" "), .char("p")], "pause / play", .replay, .pauseResume, hint: true),
        b([.char("+"), .char("=")], "faster (1×, 10×, 100×)", .replay, .faster, hint: true),
        b([.char("-")], "slower", .replay, .slower),
        b([.char("i")], "instant: jump to the end", .replay, .instant),
        b([.char(".")], "step one event (pauses)", .replay, .stepEvent, hint: true),
        b([.char("["), .char(",")], "seek back 5 %", .replay, .seekBack, hint: true),
        b([.char("]")], "seek forward 5 %", .replay, .seekForward),
        b([.char("m")], "chart: per-run curves / strategy mean ± std", .replay, .chartMode),
        b([.char("f")], "test metric: macro-F1 / accuracy", .replay, .metric),
        b([.char("L")], "focus the log: j/k PgUp/PgDn g/G scroll it; L or Esc leaves", .replay, .focusLog),
    ]

    /// The command `key` triggers in `context` (a screen's own binding wins over a global one).
    public static func command(for key: Key, in context: KeyContext) -> Command? {
        if let b = bindings.first(where: { $0.context == context && $0.keys.contains(key) }) { return b.command }
        return bindings.first(where: { $0.context == .global && $0.keys.contains(key) })?.command
    }

    /// Lines of the help overlay for `context`: its own bindings, then the global ones.
    public static func helpLines(for context: KeyContext) -> [(keys: String, description: String, section: String)] {
        let own = bindings.filter { $0.context == context && context != .global }
        let global = bindings.filter { $0.context == .global }
        return (own + global).map { b in
            (b.keys.map(\.label).joined(separator: " "), b.description, b.context == .global ? "everywhere" : context.rawValue)
        }
    }

    /// Short hints for the status bar of `context`.
    public static func hints(for context: KeyContext) -> [String] {
        let own = bindings.filter { $0.context == context && $0.hint }
        let global = bindings.filter { $0.context == .global && $0.hint }
        return (own + global).map { "\($0.keys[0].label) \(shortName($0.command))" }
    }

    private static func shortName(_ c: Command) -> String {
        switch c {
        case .help: "help"
        case .back: "back"
        case .toggle: "toggle"
        case .startTraining: "start"
        case .cyclePreset: "preset"
        case .pauseResume: "pause"
        case .cancelRun: "cancel run"
        case .cancelAll: "cancel all"
        case .chartMode: "chart"
        case .metric: "F1/acc"
        case .sortNext: "sort"
        case .copyToSetup: "to Setup"
        case .markCompare: "compare"
        case .faster: "speed"
        case .stepEvent: "step"
        case .seekBack: "seek"
        case .focusLog: "log"
        case .filter: "filter"
        case .loadConfig: "to Setup"
        default: "\(c)"
        }
    }
}
