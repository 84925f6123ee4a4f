import Foundation

/// A minimal SVG writer for the plots: a plot area with linear scales, ticks, labels and a legend.
struct SVGCanvas {
    let width = 860.0, height = 500.0
    let left = 72.0, right = 210.0, top = 44.0, bottom = 70.0
    var xRange: ClosedRange<Double>
    var yRange: ClosedRange<Double>
    private(set) var body = ""

    init(xRange: ClosedRange<Double>, yRange: ClosedRange<Double>) {
        self.xRange = xRange.lowerBound == xRange.upperBound ? (xRange.lowerBound - 1)...(xRange.upperBound + 1) : xRange
        self.yRange = yRange.lowerBound == yRange.upperBound ? (yRange.lowerBound - 1)...(yRange.upperBound + 1) : yRange
    }

    var plotWidth: Double { width - left - right }
    var plotHeight: Double { height - top - bottom }
    func x(_ v: Double) -> Double { left + (v - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * plotWidth }
    func y(_ v: Double) -> Double { top + plotHeight - (v - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * plotHeight }

    mutating func add(_ element: String) { body += element + "\n" }

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

    func dashAttribute(_ style: PlotStyle) -> String { style.dash.isEmpty ? "" : " stroke-dasharray=\"\(style.dash)\"" }

    func points(_ pts: [(Double, Double)]) -> String { pts.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ") }

    /// A marker shape centred at a pixel position.
    func marker(_ style: PlotStyle, at p: (Double, Double), size r: Double = 4) -> String {
        let (cx, cy) = p, c = style.color
        switch style.marker {
        case .circle: return "<circle class=\"marker\" cx=\"\(f(cx))\" cy=\"\(f(cy))\" r=\"\(f(r))\" fill=\"\(c)\"/>"
        case .square: return "<rect class=\"marker\" x=\"\(f(cx - r))\" y=\"\(f(cy - r))\" width=\"\(f(2 * r))\" height=\"\(f(2 * r))\" fill=\"\(c)\"/>"
        case .triangle: return "<polygon class=\"marker\" points=\"\(f(cx)),\(f(cy - r)) \(f(cx + r)),\(f(cy + r)) \(f(cx - r)),\(f(cy + r))\" fill=\"\(c)\"/>"
        case .diamond: return "<polygon class=\"marker\" points=\"\(f(cx)),\(f(cy - r)) \(f(cx + r)),\(f(cy)) \(f(cx)),\(f(cy + r)) \(f(cx - r)),\(f(cy))\" fill=\"\(c)\"/>"
        case .cross: return "<path class=\"marker\" d=\"M\(f(cx - r)),\(f(cy - r))L\(f(cx + r)),\(f(cy + r))M\(f(cx - r)),\(f(cy + r))L\(f(cx + r)),\(f(cy - r))\" stroke=\"\(c)\" stroke-width=\"2\"/>"
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
