@preconcurrency import CNcursesw
import Foundation

/// The ncurses terminal: a thin backend that copies changed cells of a `CellGrid` to the screen and reads keys.
/// Owned by the one UI thread; ncurses is not thread-safe.
public final class NcursesBackend: TerminalBackend {
    private let screen: OpaquePointer
    private var previous: CellGrid?
    private var pairsTheme: ThemeKind?
    private let hasColor: Bool
    private let colors256: Bool
    public let utf8: Bool
    private var active = true

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts curses on the controlling terminal. Throws (instead of exiting, as `initscr` would) when the
    /// terminal type is unknown.
    public init() throws {
        setlocale(LC_ALL, "")
        utf8 = deni_locale_is_utf8() != 0
        _ = deni_set_escdelay(25)
        guard let s = newterm(nil, stdout, stdin) else {
            throw StartError(description: "cannot start the terminal UI: unknown terminal type '\(ProcessInfo.processInfo.environment["TERM"] ?? "")' (set TERM, e.g. TERM=xterm-256color)")
        }
        screen = s
        set_term(s)
        raw()
        noecho()
        nonl()
        keypad(deni_stdscr(), true)
        curs_set(0)
        hasColor = has_colors()
        if hasColor {
            start_color()
            use_default_colors()
        }
        colors256 = hasColor && deni_colors() >= 256
    }

    /// Ends curses and restores the terminal. Safe to call more than once.
    public func shutdown() {
        guard active else { return }
        active = false
        curs_set(1)
        endwin()
        delscreen(screen)
    }

    deinit { shutdown() }

    public var width: Int { Int(deni_cols()) }
    public var height: Int { Int(deni_lines()) }

    public func readInput(timeoutMs: Int) -> TerminalInput? {
        wtimeout(deni_stdscr(), Int32(timeoutMs))
        var ch: wint_t = 0
        let r = wget_wch(deni_stdscr(), &ch)
        if r == ERR { return nil }
        if r == deni_key_code_yes() {
            let code = Int32(ch)
            if code == deni_key_resize() { previous = nil; return .resize(width: width, height: height) }
            switch code {
            case KEY_UP: return .key(.up)
            case KEY_DOWN: return .key(.down)
            case KEY_LEFT: return .key(.left)
            case KEY_RIGHT: return .key(.right)
            case KEY_HOME: return .key(.home)
            case KEY_END: return .key(.end)
            case KEY_PPAGE: return .key(.pageUp)
            case KEY_NPAGE: return .key(.pageDown)
            case KEY_BACKSPACE: return .key(.backspace)
            case KEY_DC: return .key(.delete)
            case KEY_ENTER: return .key(.enter)
            case KEY_BTAB: return .key(.backTab)
            default: return nil
            }
        }
        switch ch {
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 127, 8: return .key(.backspace)
        case 9: return .key(.tab)
        case 26:
            suspend()
            return .resize(width: width, height: height)
        case 1...25: return .key(.ctrl(Character(Unicode.Scalar(UInt8(ch) + 96))))
        default:
            guard let s = Unicode.Scalar(UInt32(ch)) else { return nil }
            return .key(.char(Character(s)))
        }
    }

    /// Ctrl-Z: raw mode reads it as a key, so the UI suspends itself as a cooked terminal would: the terminal is
    /// restored for the shell, SIGTSTP goes to the process group (as the terminal sends it, so a wrapper such as
    /// `sh -c` stops too and the shell sees the job stopped) and, once continued (SIGCONT, `fg`), curses takes the
    /// terminal back; the caller gets a resize so that every cell is drawn again.
    private func suspend() {
        endwin()
        let handler = signal(SIGTSTP, SIG_DFL)
        kill(0, SIGTSTP)
        signal(SIGTSTP, handler)
        previous = nil
        refresh()
    }

    private func setupPairs(_ theme: ThemeKind) {
        guard hasColor, pairsTheme != theme else { return }
        pairsTheme = theme
        for ink in Ink.allCases {
            let c = Theme.color(ink, theme)
            let fg: Int16 = c.map { colors256 ? $0.xterm256 : $0.basic } ?? -1
            init_pair(Int16(ink.rawValue) + 1, fg, -1)
        }
    }

    public func present(_ grid: CellGrid, theme: ThemeKind, full: Bool) {
        setupPairs(theme)
        let useColor = hasColor && theme != .mono
        let sameShape = previous.map { $0.width == grid.width && $0.height == grid.height } ?? false
        let repaintAll = full || !sameShape
        if repaintAll { erase() }
        var cc = cchar_t()
        var wch: [wchar_t] = [0, 0]
        let bold = attr_t(deni_a_bold()), reverse = attr_t(deni_a_reverse()), dim = attr_t(deni_a_dim()), underline = attr_t(deni_a_underline())
        let maxW = min(grid.width, width), maxH = min(grid.height, height)
        grid.cells.withUnsafeBufferPointer { cells in
            for y in 0..<maxH {
                for x in 0..<maxW {
                    let cell = cells[y * grid.width + x]
                    if !repaintAll, let p = previous, p[x, y] == cell { continue }
                    var scalar = cell.scalar
                    if !utf8 && scalar.value > 126 { scalar = "?" }
                    wch[0] = wchar_t(scalar.value)
                    var a = attr_t(0)
                    let st = cell.style
                    if st.bold { a |= bold }
                    if st.reverse { a |= reverse }
                    if st.dim { a |= dim }
                    if st.underline { a |= underline }
                    let pair: Int16 = useColor && Theme.color(st.ink, theme) != nil ? Int16(st.ink.rawValue) + 1 : 0
                    setcchar(&cc, wch, a, pair, nil)
                    mvadd_wch(Int32(y), Int32(x), &cc)
                }
            }
        }
        previous = grid
        refresh()
    }
}
