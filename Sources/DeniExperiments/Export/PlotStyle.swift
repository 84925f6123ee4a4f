/// Colour-blind-safe series styles: the Okabe–Ito palette (yellow last: weak on white), with a dash pattern
/// and a marker that vary independently, so series stay distinct in grey-scale too. Slot `i` always gets the
/// same style; strategies get their slot from `StrategyStyles` (the terminal UI draws the same colour and
/// marker index for the same slot).
public struct PlotStyle: Hashable, Sendable {
    public static let okabeIto = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
    public static let dashes = ["", "7 3", "2 2", "9 3 2 3", "4 4", "1 3"]
    /// The shapes of the terminal's markers, in the same order: ● ■ ▲ ◆ ▼ ○ □ △.
    public enum Marker: String, CaseIterable, Sendable { case circle, square, triangle, diamond, triangleDown, openCircle, openSquare, openTriangle }

    public var color: String
    /// SVG `stroke-dasharray`; empty for a solid line.
    public var dash: String
    public var marker: Marker

    public init(index i: Int) {
        color = Self.okabeIto[StrategyStyles.color(i)]
        dash = Self.dashes[max(0, i) % Self.dashes.count]
        marker = Marker.allCases[StrategyStyles.marker(i)]
    }

    /// The style of `strategy` among the strategies `styles` was made for.
    public init(strategy: String, in styles: StrategyStyles) { self.init(index: styles.slot(strategy)) }
}
