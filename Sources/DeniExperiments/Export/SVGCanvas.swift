import Foundation

/// A minimal SVG writer for the plots: a plot area with linear scales, ticks, labels and a legend (pictures
/// without axes, such as heat maps, give their own size and ranges in pixels).
struct SVGCanvas {
    let width: Double, height: Double
    let left = 72.0, right = 210.0, top = 44.0, bottom = 70.0
    var xRange: ClosedRange<Double>
    var yRange: ClosedRange<Double>
    private(set) var body = ""

    init(xRange: ClosedRange<Double>, yRange: ClosedRange<Double>, width: Double = 860, height: Double = 500) {
        self.width = width; self.height = height
        self.xRange = xRange.lowerBound == xRange.upperBound ? (xRange.lowerBound - 1)...(xRange.upperBound + 1) : xRange
        self.yRange = yRange.lowerBound == yRange.upperBound ? (yRange.lowerBound - 1)...(yRange.upperBound + 1) : yRange
    }

    var plotWidth: Double { width - left - right }
    var plotHeight: Double { height - top - bottom }
    func x(_ v: Double) -> Double { left + (v - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * plotWidth }
    func y(_ v: Double) -> Double { top + plotHeight - (v - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * plotHeight }

    mutating func add(_ element: String) { body += element + "\n" }

    /// A small grey line under the title (what shading or colour means).
    mutating func note(_ text: String) {
        add("<text class=\"note\" x=\"\(f(left))\" y=\"38\" font-size=\"11\" fill=\"#555555\">\(Self.escape(text))</text>")
    }

    /// The whole document.
    func document(title: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="sans-serif" font-size="12">
        <title>\(Self.escape(title))</title>
        <rect x="0" y="0" width="\(f(width))" height="\(f(height))" fill="#ffffff"/>
        <text x="\(f(left))" y="24" font-size="15" font-weight="bold">\(Self.escape(title))</text>
        \(body)</svg>

        """
    }

    /// Axes with "nice" ticks, grid lines and labels; `categories` replaces the numeric x ticks.
    mutating func axes(xLabel: String, yLabel: String, categories: [String]? = nil) {
        var g = "<g class=\"axes\" stroke=\"#000000\" stroke-width=\"1\">\n"
        g += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(top + plotHeight))\"/>\n"
        g += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotHeight))\"/>\n"
        for t in Self.ticks(yRange) {
            let yy = y(t)
            g += "<line x1=\"\(f(left - 5))\" y1=\"\(f(yy))\" x2=\"\(f(left))\" y2=\"\(f(yy))\"/>"
            g += "<line x1=\"\(f(left))\" y1=\"\(f(yy))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(yy))\" stroke=\"#dddddd\"/>"
            g += "<text x=\"\(f(left - 8))\" y=\"\(f(yy + 4))\" text-anchor=\"end\" stroke=\"none\">\(Self.label(t))</text>\n"
        }
        if let categories {
            for (i, name) in categories.enumerated() {
                let xx = x(Double(i))
                g += "<line x1=\"\(f(xx))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(xx))\" y2=\"\(f(top + plotHeight + 5))\"/>"
                g += "<text x=\"\(f(xx))\" y=\"\(f(top + plotHeight + 18))\" text-anchor=\"end\" stroke=\"none\" transform=\"rotate(-25 \(f(xx)) \(f(top + plotHeight + 18)))\">\(Self.escape(name))</text>\n"
            }
        } else {
            for t in Self.ticks(xRange) {
                let xx = x(t)
                g += "<line x1=\"\(f(xx))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(xx))\" y2=\"\(f(top + plotHeight + 5))\"/>"
                g += "<text x=\"\(f(xx))\" y=\"\(f(top + plotHeight + 19))\" text-anchor=\"middle\" stroke=\"none\">\(Self.label(t))</text>\n"
            }
        }
        g += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 14))\" text-anchor=\"middle\" stroke=\"none\">\(Self.escape(xLabel))</text>\n"
        g += "<text x=\"18\" y=\"\(f(top + plotHeight / 2))\" text-anchor=\"middle\" stroke=\"none\" transform=\"rotate(-90 18 \(f(top + plotHeight / 2)))\">\(Self.escape(yLabel))</text>\n"
        add(g + "</g>")
    }

    /// Legend in the right margin: one entry per (name, style), a line sample with its marker.
    mutating func legend(_ entries: [(String, PlotStyle)]) {
        var g = "<g class=\"legend\">\n"
        for (i, (name, style)) in entries.enumerated() {
            let yy = top + 10 + Double(i) * 20, x0 = left + plotWidth + 16
            g += "<line x1=\"\(f(x0))\" y1=\"\(f(yy))\" x2=\"\(f(x0 + 30))\" y2=\"\(f(yy))\" stroke=\"\(style.color)\" stroke-width=\"2.2\"\(dashAttribute(style))/>"
            g += marker(style, at: (x0 + 15, yy)) + "<text x=\"\(f(x0 + 38))\" y=\"\(f(yy + 4))\">\(Self.escape(name))</text>\n"
        }
        add(g + "</g>")
    }

    /// A heat map with its top-left cell corner at (x0, y0): row labels to the left, column labels below (slanted),
    /// axis names beside them. Each `rect.cell` is filled from white (`shade` 0) to blue (1), carries
    /// `data-row`, `data-column` and `data-value`, and shows `text` when cells are big enough to hold it.
    mutating func heatMap(at x0: Double, _ y0: Double, cell: Double, rows: [String], columns: [String], values: [[String]],
                          shade: [[Double]], text: [[String]], rowAxis: String, columnAxis: String) {
        var g = "<g class=\"heatmap\" data-rows=\"\(Self.escape(rowAxis))\" data-columns=\"\(Self.escape(columnAxis))\">\n"
        for (i, name) in rows.enumerated() {
            g += "<text class=\"row-label\" x=\"\(f(x0 - 6))\" y=\"\(f(y0 + (Double(i) + 0.5) * cell + 4))\" text-anchor=\"end\">\(Self.escape(name))</text>\n"
        }
        let bottom = y0 + Double(rows.count) * cell
        for (j, name) in columns.enumerated() {
            let x = x0 + (Double(j) + 0.5) * cell
            g += "<text class=\"column-label\" x=\"\(f(x))\" y=\"\(f(bottom + 14))\" text-anchor=\"end\" transform=\"rotate(-40 \(f(x)) \(f(bottom + 14)))\">\(Self.escape(name))</text>\n"
        }
        let fontSize = min(11, cell * 0.38)
        for i in rows.indices {
            for j in columns.indices {
                let t = shade[i][j].isFinite ? min(1, max(0, shade[i][j])) : 0
                let x = x0 + Double(j) * cell, y = y0 + Double(i) * cell
                // White to Okabe–Ito blue (#0072B2).
                let fill = "rgb(\(Int(255 - 255 * t)),\(Int(255 - 141 * t)),\(Int(255 - 77 * t)))"
                g += "<rect class=\"cell\" data-row=\"\(i)\" data-column=\"\(j)\" data-value=\"\(Self.escape(values[i][j]))\" x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"\(fill)\" stroke=\"#ffffff\" stroke-width=\"1\"><title>\(Self.escape(rows[i])) / \(Self.escape(columns[j])): \(Self.escape(text[i][j]))</title></rect>"
                if cell >= 18 {
                    g += "<text x=\"\(f(x + cell / 2))\" y=\"\(f(y + cell / 2 + fontSize * 0.35))\" text-anchor=\"middle\" font-size=\"\(f(fontSize))\" fill=\"\(t > 0.55 ? "#ffffff" : "#000000")\">\(Self.escape(text[i][j]))</text>"
                }
                g += "\n"
            }
        }
        g += "<text class=\"axis-name\" x=\"\(f(x0 + Double(columns.count) * cell / 2))\" y=\"\(f(y0 - 8))\" text-anchor=\"middle\" font-style=\"italic\">\(Self.escape(columnAxis)) →</text>\n"
        g += "<text class=\"axis-name\" x=\"\(f(x0 - 6))\" y=\"\(f(y0 - 8))\" text-anchor=\"end\" font-style=\"italic\">\(Self.escape(rowAxis)) ↓</text>\n"
        add(g + "</g>")
    }

    func dashAttribute(_ style: PlotStyle) -> String { style.dash.isEmpty ? "" : " stroke-dasharray=\"\(style.dash)\"" }

    func points(_ pts: [(Double, Double)]) -> String { pts.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ") }

    /// A marker shape centred at a pixel position (open shapes: white fill, coloured outline).
    func marker(_ style: PlotStyle, at p: (Double, Double), size r: Double = 4) -> String {
        let (cx, cy) = p, c = style.color
        let paint = [PlotStyle.Marker.openCircle, .openSquare, .openTriangle].contains(style.marker)
            ? "fill=\"#ffffff\" stroke=\"\(c)\" stroke-width=\"1.5\"" : "fill=\"\(c)\""
        switch style.marker {
        case .circle, .openCircle: return "<circle class=\"marker\" cx=\"\(f(cx))\" cy=\"\(f(cy))\" r=\"\(f(r))\" \(paint)/>"
        case .square, .openSquare: return "<rect class=\"marker\" x=\"\(f(cx - r))\" y=\"\(f(cy - r))\" width=\"\(f(2 * r))\" height=\"\(f(2 * r))\" \(paint)/>"
        case .triangle, .openTriangle: return "<polygon class=\"marker\" points=\"\(f(cx)),\(f(cy - r)) \(f(cx + r)),\(f(cy + r)) \(f(cx - r)),\(f(cy + r))\" \(paint)/>"
        case .triangleDown: return "<polygon class=\"marker\" points=\"\(f(cx - r)),\(f(cy - r)) \(f(cx + r)),\(f(cy - r)) \(f(cx)),\(f(cy + r))\" \(paint)/>"
        case .diamond: return "<polygon class=\"marker\" points=\"\(f(cx)),\(f(cy - r)) \(f(cx + r)),\(f(cy)) \(f(cx)),\(f(cy + r)) \(f(cx - r)),\(f(cy))\" \(paint)/>"
        }
    }

    /// Ticks at 1, 2 or 5 × 10^k, about five over the range.
    static func ticks(_ range: ClosedRange<Double>) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return [range.lowerBound] }
        let raw = span / 5, magnitude = pow(10, (log10(raw)).rounded(.down)), fraction = raw / magnitude
        let step = (fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10) * magnitude
        var t = (range.lowerBound / step).rounded(.up) * step, out: [Double] = []
        while t <= range.upperBound + step * 1e-9 { out.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return out
    }

    static func label(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
        return String(format: "%g", v)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&apos;")
    }
}

/// Pixel coordinates with two decimals.
func f(_ v: Double) -> String { String(format: "%.2f", v) }
