/// What the app loop needs from a terminal. The ncurses implementation is used by `runTerminalUI`; tests use
/// `MemoryBackend`. Only the UI thread calls a backend.
public enum TerminalInput: Hashable, Sendable {
    case key(Key)
    case resize(width: Int, height: Int)
}

public protocol TerminalBackend: AnyObject {
    var width: Int { get }
    var height: Int { get }
    /// Waits up to `timeoutMs` (0: do not wait) for a key or a resize; nil when none arrived.
    func readInput(timeoutMs: Int) -> TerminalInput?
    /// Shows `grid`; `full` repaints every cell (after Ctrl-L, a resize or a theme change).
    func present(_ grid: CellGrid, theme: ThemeKind, full: Bool)
}

/// An in-memory terminal: scripted input, the last presented grid kept for inspection.
public final class MemoryBackend: TerminalBackend {
    public private(set) var width: Int
    public private(set) var height: Int
    public var pending: [TerminalInput]
    public private(set) var presented: CellGrid?
    public private(set) var frames = 0

    public init(width: Int, height: Int, input: [TerminalInput] = []) {
        self.width = width; self.height = height; pending = input
    }

    public func readInput(timeoutMs: Int) -> TerminalInput? {
        guard !pending.isEmpty else { return nil }
        let i = pending.removeFirst()
        if case let .resize(w, h) = i { width = w; height = h }
        return i
    }

    public func present(_ grid: CellGrid, theme: ThemeKind, full: Bool) {
        presented = grid; frames += 1
    }

    /// The last frame as text.
    public var screenText: String { presented?.lines.joined(separator: "\n") ?? "" }
}
