/// A dot canvas over a block of cells: 2 x 4 dots per cell drawn as braille, or (ASCII mode) the same dots
/// folded into `'`, `.` and `:`. Each cell remembers the ink of the last series that touched it.
public struct BrailleCanvas {
    public let columns: Int, rows: Int
    public var pixelWidth: Int { columns * 2 }
    public var pixelHeight: Int { rows * 4 }
    private var bits: [UInt8]
    private var inks: [Ink]
    private var dims: [Bool]

    public init(columns: Int, rows: Int) {
        self.columns = max(0, columns); self.rows = max(0, rows)
        bits = Array(repeating: 0, count: self.columns * self.rows)
        inks = Array(repeating: .normal, count: bits.count)
        dims = Array(repeating: false, count: bits.count)
    }

    private static let dotBits: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]

    /// Sets the dot at pixel (px, py); (0, 0) is the top-left. Out-of-range dots are dropped.
    @inline(__always)
    public mutating func dot(_ px: Int, _ py: Int, _ ink: Ink, dim: Bool = false) {
        guard px >= 0, py >= 0, px < pixelWidth, py < pixelHeight else { return }
        let i = (py >> 2) * columns + (px >> 1)
        bits[i] |= BrailleCanvas.dotBits[px & 1][py & 3]
        inks[i] = ink
        dims[i] = dim
    }

    /// A straight line between two pixels (Bresenham).
    public mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ ink: Ink, dim: Bool = false) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        var guardCount = 0
        while guardCount < 100_000 {
            dot(x, y, ink, dim: dim)
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
            guardCount += 1
        }
    }

    public func isEmpty(column: Int, row: Int) -> Bool { bits[row * columns + column] == 0 }

    /// Copies the non-empty cells into `grid` with their top-left at (x, y).
    public func draw(into grid: inout CellGrid, x: Int, y: Int, glyphs: Glyphs) {
        for r in 0..<rows {
            for c in 0..<columns {
                let i = r * columns + c
                let b = bits[i]
                if b == 0 { continue }
                let scalar: Unicode.Scalar
                if glyphs.unicode {
                    scalar = Unicode.Scalar(0x2800 + UInt32(b))!
                } else {
                    let top = b & 0x1B != 0, bottom = b & 0xE4 != 0
                    scalar = top && bottom ? ":" : (top ? "'" : ".")
                }
                grid.set(x + c, y + r, scalar, Style(inks[i], dim: dims[i]))
            }
        }
    }
}
