/// Colour-blind-safe series styles: the Okabe–Ito palette (yellow last: weak on white), with a dash pattern
/// and a marker that vary independently, so series stay distinct in grey-scale too. Series `i` always gets
/// the same style (stable colours across plots of one session).
public struct PlotStyle: Hashable, Sendable {
    public static let okabeIto = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
    public static let dashes = ["", "7 3", "2 2", "9 3 2 3", "4 4", "1 3"]
    public enum Marker: String, CaseIterable, Sendable { case circle, square, triangle, diamond, cross }

    public var color: String
    /// SVG `stroke-dasharray`; empty for a solid line.
    public var dash: String
    public var marker: Marker

    public init(index i: Int) {
        color = Self.okabeIto[i % Self.okabeIto.count]
        dash = Self.dashes[i % Self.dashes.count]
        marker = Marker.allCases[i % Marker.allCases.count]
    }
}
