/// A terminal screen as plain data: the renderer writes cells, a backend copies them to the terminal and tests
/// compare them as text. Every cell holds exactly one single-width scalar, so columns never shift.

/// A semantic colour; the active `Theme` maps it to a terminal colour (or to nothing in monochrome).
public enum Ink: UInt8, Sendable, CaseIterable {
    case normal, muted, accent, title, warning, error, good
    // The eight series colours (Okabe-Ito order); `series(_:)` picks one by index.
    case s0, s1, s2, s3, s4, s5, s6, s7

    public static func series(_ index: Int) -> Ink { Ink(rawValue: Ink.s0.rawValue + UInt8(((index % 8) + 8) % 8))! }
}

/// Ink plus text attributes, packed small because a 200 x 60 grid holds 12,000 of them.
public struct Style: Hashable, Sendable {
    public var ink: Ink
    public var attributes: UInt8
    public static let boldBit: UInt8 = 1, reverseBit: UInt8 = 2, dimBit: UInt8 = 4, underlineBit: UInt8 = 8

    public init(_ ink: Ink = .normal, bold: Bool = false, reverse: Bool = false, dim: Bool = false, underline: Bool = false) {
        self.ink = ink
        attributes = (bold ? Style.boldBit : 0) | (reverse ? Style.reverseBit : 0) | (dim ? Style.dimBit : 0)
            | (underline ? Style.underlineBit : 0)
    }
    public var bold: Bool { attributes & Style.boldBit != 0 }
    public var reverse: Bool { attributes & Style.reverseBit != 0 }
    public var dim: Bool { attributes & Style.dimBit != 0 }
    public var underline: Bool { attributes & Style.underlineBit != 0 }

    public static let plain = Style()
}

public struct Cell: Hashable, Sendable {
    public var scalar: Unicode.Scalar
    public var style: Style
    public init(_ scalar: Unicode.Scalar = " ", _ style: Style = .plain) { self.scalar = scalar; self.style = style }
}

/// A rectangle in grid coordinates.
public struct Rect: Hashable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = max(0, width); self.height = max(0, height)
    }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
}

public struct CellGrid: Hashable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width); self.height = max(0, height)
        cells = Array(repeating: Cell(), count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Sets one cell; writes outside the grid are dropped, so layouts may overflow safely.
    @inline(__always)
    public mutating func set(_ x: Int, _ y: Int, _ scalar: Unicode.Scalar, _ style: Style = .plain) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        cells[y &* width &+ x] = Cell(scalar, style)
    }

    /// Writes `text` from (x, y), clipped at `maxWidth` columns (and the grid edge). Characters that would not
    /// occupy exactly one column (controls, combining marks, wide CJK/emoji) become `?`. Returns the columns used.
    @discardableResult
    public mutating func text(_ x: Int, _ y: Int, _ text: String, _ style: Style = .plain, maxWidth: Int = .max) -> Int {
        guard y >= 0, y < height else { return 0 }
        var col = x
        let limit = min(width, maxWidth == .max ? width : x + maxWidth)
        for s in text.unicodeScalars {
            if col >= limit { break }
            if col >= 0 { cells[y * width + col] = Cell(CellGrid.singleWidth(s), style) }
            col += 1
        }
        return col - x
    }

    /// Fills a rectangle with one cell.
    public mutating func fill(_ r: Rect, _ scalar: Unicode.Scalar = " ", _ style: Style = .plain) {
        let x0 = max(0, r.x), x1 = min(width, r.maxX), y0 = max(0, r.y), y1 = min(height, r.maxY)
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 { for x in x0..<x1 { cells[y * width + x] = Cell(scalar, style) } }
    }

    /// Applies `transform` to the style of every cell in `r` (used for selection highlights).
    public mutating func restyle(_ r: Rect, _ transform: (inout Style) -> Void) {
        let x0 = max(0, r.x), x1 = min(width, r.maxX), y0 = max(0, r.y), y1 = min(height, r.maxY)
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 { for x in x0..<x1 { transform(&cells[y * width + x].style) } }
    }

    /// The grid as text, one string per row with trailing spaces removed (what snapshot tests compare).
    public var lines: [String] {
        (0..<height).map { y in
            var s = String.UnicodeScalarView()
            for x in 0..<width { s.append(cells[y * width + x].scalar) }
            var str = String(s)
            while str.last == " " { str.removeLast() }
            return str
        }
    }

    /// ASCII stand-ins for the non-ASCII characters the screens use in text (one column each, so layouts hold).
    static let asciiFallback: [Unicode.Scalar: Unicode.Scalar] = [
        "·": ".", "×": "x", "÷": "/", "±": "~", "–": "-", "—": "-", "−": "-", "…": ".", "‹": "<", "›": ">",
        "≥": ">", "≤": "<", "Δ": "D", "▶": ">", "▲": "^", "▼": "v", "✗": "x", "▏": "_", "⏸": "|", "≈": "~", "≡": "=",
        "─": "-", "│": "|", "┊": ":", "┌": "+", "┐": "+", "└": "+", "┘": "+", "█": "#", "░": ".",
    ]

    /// Replaces every non-ASCII cell with its ASCII stand-in (or `?`), for terminals without UTF-8.
    public mutating func asciify() {
        for i in cells.indices where !cells[i].scalar.isASCII {
            cells[i].scalar = CellGrid.asciiFallback[cells[i].scalar] ?? "?"
        }
    }

    /// Maps a scalar that would not take exactly one terminal column to `?`.
    static func singleWidth(_ s: Unicode.Scalar) -> Unicode.Scalar {
        let v = s.value
        if v < 0x20 || (0x7F..<0xA0).contains(v) { return "?" }
        if v < 0x300 { return s }
        let zeroOrWide: [ClosedRange<UInt32>] = [
            0x0300...0x036F, 0x0483...0x0489, 0x0591...0x05BD, 0x0610...0x061A, 0x064B...0x065F, 0x0E31...0x0E3A,
            0x1100...0x115F, 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x206F, 0x20D0...0x20FF,
            0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xAC00...0xD7A3,
            0xD800...0xDFFF, 0xF900...0xFAFF, 0xFE00...0xFE0F, 0xFE30...0xFE4F, 0xFEFF...0xFEFF, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F000...0x1FAFF, 0x20000...0x3FFFD, 0xE0000...0xE01EF,
        ]
        for r in zeroOrWide where r.contains(v) { return "?" }
        return s
    }
}
