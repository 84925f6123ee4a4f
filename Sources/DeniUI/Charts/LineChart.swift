/// A line chart drawn on a `BrailleCanvas`, with bands (mean ± std), markers, vertical event rules and axes.

public struct ChartSeries {
    public var points: [(x: Double, y: Double)]
    public var ink: Ink
    /// Drawn at a few points along the line (and at the last one) so the series is identifiable without colour.
    public var marker: Unicode.Scalar?
    /// Emphasised series (a pinned run or a strategy mean) are drawn last, on top.
    public var emphasis: Bool
    public init(points: [(x: Double, y: Double)], ink: Ink, marker: Unicode.Scalar?, emphasis: Bool = false) {
        self.points = points; self.ink = ink; self.marker = marker; self.emphasis = emphasis
    }
}

/// A filled band between `low` and `high`, drawn dim and sparse so lines stay readable over it.
public struct ChartBand {
    public var points: [(x: Double, low: Double, high: Double)]
    public var ink: Ink
    public init(points: [(x: Double, low: Double, high: Double)], ink: Ink) { self.points = points; self.ink = ink }
}

public struct LineChart {
    public var title: String
    public var xRange: ClosedRange<Double>
    public var yRange: ClosedRange<Double>
    public var series: [ChartSeries] = []
    public var bands: [ChartBand] = []
    /// Vertical rules (e.g. interpolation moments) at these x values.
    public var rules: [Double] = []
    public var formatY: (Double) -> String = { LineChart.compact($0) }
    public var formatX: (Double) -> String = { LineChart.compact($0) }

    public init(title: String, xRange: ClosedRange<Double>, yRange: ClosedRange<Double>) {
        self.title = title; self.xRange = xRange; self.yRange = yRange
    }

    /// Short number text: 3 significant figures, k/M suffixes.
    public static func compact(_ v: Double) -> String {
        guard v.isFinite else { return "–" }
        let a = abs(v)
        if a >= 1e15 { return fmt(v / 1e15, 1) + "P" }
        if a >= 1e12 { return fmt(v / 1e12, 1) + "T" }
        if a >= 1e9 { return fmt(v / 1e9, 1) + "G" }
        if a >= 1_000_000 { return fmt(v / 1_000_000, 1) + "M" }
        if a >= 10_000 { return fmt(v / 1000, 0) + "k" }
        if a >= 100 { return fmt(v, 0) }
        if a >= 10 { return fmt(v, 1) }
        if a >= 1 || a == 0 { return fmt(v, 2) }
        if a >= 0.01 { return fmt(v, 3) }
        // Scientific for small magnitudes (learning rates): "1.0e-4".
        var e = 0, m = a
        while m < 1 { m *= 10; e -= 1 }
        return (v < 0 ? "-" : "") + fmt(m, 1) + "e" + String(e)
    }

    /// Whole numbers (step counts on the x axis).
    public static func integer(_ v: Double) -> String { abs(v) < 1e15 ? String(Int(v.rounded())) : compact(v) }

    /// Fixed-point formatting without Foundation (rounds half away from zero).
    public static func fmt(_ v: Double, _ decimals: Int) -> String {
        guard v.isFinite else { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
        var scale = 1.0
        for _ in 0..<max(0, decimals) { scale *= 10 }
        let scaled = (abs(v) * scale).rounded()
        if scaled > 9e15 { return v > 0 ? "huge" : "-huge" }
        let n = Int64(scaled)
        let intPart = n / Int64(scale), frac = n % Int64(scale)
        var s = (v < 0 && n != 0 ? "-" : "") + String(intPart)
        if decimals > 0 {
            var f = String(frac)
            while f.count < decimals { f = "0" + f }
            s += "." + f
        }
        return s
    }

    /// Draws the chart inside `rect` (title row, plot, x-axis row). Too small a rect draws only the title.
    public func draw(into grid: inout CellGrid, rect: Rect, glyphs: Glyphs) {
        guard rect.height >= 1, rect.width >= 4 else { return }
        grid.text(rect.x, rect.y, title, Style(.title, bold: true), maxWidth: rect.width)
        let labels = [formatY(yRange.upperBound), formatY((yRange.lowerBound + yRange.upperBound) / 2), formatY(yRange.lowerBound)]
        let labelWidth = min(8, labels.map { $0.count }.max() ?? 1)
        let plot = Rect(x: rect.x + labelWidth + 1, y: rect.y + 1, width: rect.width - labelWidth - 1, height: rect.height - 2)
        guard plot.width >= 2, plot.height >= 2 else { return }

        var canvas = BrailleCanvas(columns: plot.width, rows: plot.height)
        let xSpan = max(xRange.upperBound - xRange.lowerBound, 1e-12)
        let ySpan = max(yRange.upperBound - yRange.lowerBound, 1e-12)
        let pw = Double(canvas.pixelWidth - 1), ph = Double(canvas.pixelHeight - 1)
        // Positions are clamped well outside the canvas before converting, so wild values cannot trap.
        func px(_ x: Double) -> Int { Int(min(1e6, max(-1e6, ((x - xRange.lowerBound) / xSpan * pw).rounded()))) }
        func py(_ y: Double) -> Int {
            let clamped = min(max(y, yRange.lowerBound), yRange.upperBound)
            return Int(min(1e6, max(-1e6, ((yRange.upperBound - clamped) / ySpan * ph).rounded())))
        }

        for band in bands where band.points.count >= 1 {
            let pts = band.points.filter { $0.low.isFinite && $0.high.isFinite }
            guard !pts.isEmpty else { continue }
            var k = 0
            let first = max(0, px(pts[0].x)), last = min(canvas.pixelWidth - 1, px(pts[pts.count - 1].x))
            if first > last { continue }
            for col in first...last {
                let x = xRange.lowerBound + Double(col) / max(pw, 1) * xSpan
                while k + 1 < pts.count && pts[k + 1].x < x { k += 1 }
                let a = pts[k], b = pts[min(k + 1, pts.count - 1)]
                let t = b.x > a.x ? min(1, max(0, (x - a.x) / (b.x - a.x))) : 0
                let lo = a.low + (b.low - a.low) * t, hi = a.high + (b.high - a.high) * t
                let top = py(hi), bottom = py(lo)
                if top > bottom { continue }
                var row = top
                while row <= bottom {
                    if (row + col) & 1 == 0 { canvas.dot(col, row, band.ink, dim: true) }
                    row += 1
                }
            }
        }

        let ordered = series.filter { !$0.emphasis } + series.filter { $0.emphasis }
        for s in ordered {
            var prev: (Int, Int)?
            for p in s.points where p.x.isFinite && p.y.isFinite {
                let cur = (px(p.x), py(p.y))
                if let q = prev { canvas.line(q.0, q.1, cur.0, cur.1, s.ink) } else { canvas.dot(cur.0, cur.1, s.ink) }
                prev = cur
            }
        }

        // Rules go under the lines: only into empty cells.
        var ruleColumns = Set<Int>()
        for r in rules where xRange.contains(r) { ruleColumns.insert(px(r) / 2) }
        for c in ruleColumns where c >= 0 && c < plot.width {
            for row in 0..<plot.height where canvas.isEmpty(column: c, row: row) {
                grid.set(plot.x + c, plot.y + row, glyphs.vrule, Style(.muted))
            }
        }
        canvas.draw(into: &grid, x: plot.x, y: plot.y, glyphs: glyphs)

        // Markers: a few per series, always one on the last point.
        for s in ordered {
            guard let m = s.marker else { continue }
            let pts = s.points.filter { $0.x.isFinite && $0.y.isFinite }
            guard !pts.isEmpty else { continue }
            // One marker every `spacing` columns along the x axis, plus the last point.
            let spacing = 8
            var lastColumn = Int.min
            for (i, p) in pts.enumerated() {
                let c = px(p.x) / 2, r = py(p.y) / 4
                guard c >= lastColumn + spacing || i == pts.count - 1 else { continue }
                lastColumn = c
                if c >= 0, c < plot.width, r >= 0, r < plot.height {
                    grid.set(plot.x + c, plot.y + r, m, Style(s.ink, bold: s.emphasis))
                }
            }
        }

        // Axes and labels.
        for row in 0..<plot.height { grid.set(plot.x - 1, plot.y + row, glyphs.vertical, Style(.muted)) }
        let labelRows = [plot.y, plot.y + plot.height / 2, plot.y + plot.height - 1]
        for (i, row) in labelRows.enumerated() {
            let l = String(labels[i].prefix(labelWidth))
            grid.text(plot.x - 1 - l.count, row, l, Style(.muted))
        }
        let axisY = plot.maxY
        grid.set(plot.x - 1, axisY, glyphs.bottomLeft, Style(.muted))
        for c in 0..<plot.width { grid.set(plot.x + c, axisY, glyphs.horizontal, Style(.muted)) }
        let lo = formatX(xRange.lowerBound), hi = formatX(xRange.upperBound)
        grid.text(plot.x, axisY, lo, Style(.muted))
        if plot.width > lo.count + hi.count + 1 { grid.text(plot.maxX - hi.count, axisY, hi, Style(.muted)) }
    }

    /// A "nice" range covering `values` (padded 5 %), or `fallback` when there is nothing finite.
    public static func niceRange(_ values: [Double], fallback: ClosedRange<Double>, clampTo: ClosedRange<Double>? = nil) -> ClosedRange<Double> {
        var lo = Double.infinity, hi = -Double.infinity
        for v in values where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
        guard lo.isFinite, hi.isFinite else { return fallback }
        if hi - lo < 1e-9 { lo -= 0.5; hi += 0.5 }
        let pad = (hi - lo) * 0.05
        lo -= pad; hi += pad
        if let c = clampTo { lo = max(lo, c.lowerBound); hi = min(hi, c.upperBound) }
        return lo...max(hi, lo + 1e-9)
    }
}
