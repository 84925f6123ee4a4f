/// Small drawing helpers shared by the screens.
extension CellGrid {
    /// A box border with an optional title in the top edge.
    mutating func box(_ r: Rect, title: String? = nil, glyphs g: Glyphs, style: Style = Style(.muted)) {
        guard r.width >= 2, r.height >= 2 else { return }
        for x in r.x + 1..<r.maxX - 1 { set(x, r.y, g.horizontal, style); set(x, r.maxY - 1, g.horizontal, style) }
        for y in r.y + 1..<r.maxY - 1 { set(r.x, y, g.vertical, style); set(r.maxX - 1, y, g.vertical, style) }
        set(r.x, r.y, g.topLeft, style); set(r.maxX - 1, r.y, g.topRight, style)
        set(r.x, r.maxY - 1, g.bottomLeft, style); set(r.maxX - 1, r.maxY - 1, g.bottomRight, style)
        if let t = title, r.width > 4 { text(r.x + 2, r.y, " \(t) ", Style(.title, bold: true), maxWidth: r.width - 4) }
    }

    /// A horizontal progress bar `width` cells wide.
    mutating func bar(_ x: Int, _ y: Int, width: Int, fraction: Double, ink: Ink, glyphs g: Glyphs) {
        guard width > 0 else { return }
        let f = fraction.isFinite ? min(1, max(0, fraction)) : 0
        let full = Int((f * Double(width)).rounded(.down))
        for i in 0..<width { set(x + i, y, i < full ? g.barFull : g.barEmpty, Style(i < full ? ink : .muted)) }
    }

    /// Text right-aligned so it ends at column `right` (exclusive).
    @discardableResult
    mutating func textRight(_ right: Int, _ y: Int, _ s: String, _ style: Style = .plain) -> Int {
        text(right - s.unicodeScalars.count, y, s, style)
    }

    /// Text centred in `r` on row `y`.
    mutating func textCentered(_ r: Rect, _ y: Int, _ s: String, _ style: Style = .plain) {
        let n = s.unicodeScalars.count
        text(r.x + max(0, (r.width - n) / 2), y, s, style, maxWidth: r.width)
    }
}

enum Format {
    /// "1h02m", "3m05s", "12s"; "–" when unknown.
    static func duration(_ seconds: Double?) -> String {
        guard let s = seconds, s.isFinite, s >= 0 else { return "–" }
        if s >= 360_000_000 { return "years" }
        let t = Int(s.rounded())
        if t >= 3600 { return "\(t / 3600)h" + pad2(t % 3600 / 60) + "m" }
        if t >= 60 { return "\(t / 60)m" + pad2(t % 60) + "s" }
        return "\(t)s"
    }
    static func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    static func percent(_ f: Double) -> String { "\(Int((min(1, max(0, f)) * 100).rounded(.down)))%" }

    /// "91.23 ± 1.05", or "–" for NaN.
    static func meanStd(_ mean: Double, _ std: Double, _ decimals: Int = 2) -> String {
        guard mean.isFinite else { return "–" }
        return LineChart.fmt(mean, decimals) + " ± " + (std.isFinite ? LineChart.fmt(std, decimals) : "–")
    }

    static func num(_ v: Double, _ decimals: Int = 2) -> String { v.isFinite ? LineChart.fmt(v, decimals) : "–" }

    /// p-values: 3 significant digits, "<0.001" below.
    static func p(_ v: Double) -> String {
        guard v.isFinite else { return "–" }
        return v < 0.001 ? "<0.001" : LineChart.fmt(v, 3)
    }

    /// Pads or clips to exactly `width` columns.
    static func fit(_ s: String, _ width: Int, right: Bool = false) -> String {
        guard width > 0 else { return "" }
        let n = s.unicodeScalars.count
        if n >= width { return String(String.UnicodeScalarView(s.unicodeScalars.prefix(width))) }
        let pad = String(repeating: " ", count: width - n)
        return right ? pad + s : s + pad
    }
}
