import DeniExperiments

/// Colour themes and glyph sets. Colour is never the only carrier of meaning: every series also has a marker,
/// and states are written as words or symbols.

public enum ThemeKind: String, CaseIterable, Sendable {
    /// Okabe-Ito palette on a dark (or default) background.
    case dark
    /// Darker variants of the same hues, readable on a light background.
    case light
    /// No colour at all: attributes (bold, reverse, dim) and markers only. Chosen when NO_COLOR is set.
    case mono

    public var next: ThemeKind {
        let all = ThemeKind.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }
}

/// A terminal colour for one ink: an xterm-256 index and the nearest of the eight basic colours.
public struct TerminalColor: Hashable, Sendable {
    public var xterm256: Int16
    public var basic: Int16
}

public enum Theme {
    /// The colour of `ink` under `kind`, or nil for the terminal's default foreground.
    public static func color(_ ink: Ink, _ kind: ThemeKind) -> TerminalColor? {
        // Basic colours: 0 black 1 red 2 green 3 yellow 4 blue 5 magenta 6 cyan 7 white.
        switch kind {
        case .mono:
            return nil
        case .dark:
            switch ink {
            case .normal: return nil
            case .muted: return TerminalColor(xterm256: 245, basic: 7)
            case .accent: return TerminalColor(xterm256: 74, basic: 6)
            case .title: return TerminalColor(xterm256: 255, basic: 7)
            case .warning: return TerminalColor(xterm256: 214, basic: 3)
            case .error: return TerminalColor(xterm256: 203, basic: 1)
            case .good: return TerminalColor(xterm256: 79, basic: 6)
            // Okabe-Ito in `PlotStyle.okabeIto`'s order (so a slot has one hue in the terminal and in SVG): blue,
            // vermillion, bluish green, reddish purple, orange, sky blue, black (grey here), yellow.
            case .s0: return TerminalColor(xterm256: 33, basic: 4)
            case .s1: return TerminalColor(xterm256: 166, basic: 1)
            case .s2: return TerminalColor(xterm256: 36, basic: 2)
            case .s3: return TerminalColor(xterm256: 175, basic: 5)
            case .s4: return TerminalColor(xterm256: 214, basic: 3)
            case .s5: return TerminalColor(xterm256: 74, basic: 6)
            case .s6: return TerminalColor(xterm256: 250, basic: 7)
            case .s7: return TerminalColor(xterm256: 227, basic: 3)
            }
        case .light:
            switch ink {
            case .normal: return nil
            case .muted: return TerminalColor(xterm256: 243, basic: 0)
            case .accent: return TerminalColor(xterm256: 25, basic: 4)
            case .title: return TerminalColor(xterm256: 232, basic: 0)
            case .warning: return TerminalColor(xterm256: 130, basic: 3)
            case .error: return TerminalColor(xterm256: 124, basic: 1)
            case .good: return TerminalColor(xterm256: 29, basic: 6)
            case .s0: return TerminalColor(xterm256: 25, basic: 4)
            case .s1: return TerminalColor(xterm256: 166, basic: 1)
            case .s2: return TerminalColor(xterm256: 29, basic: 2)
            case .s3: return TerminalColor(xterm256: 132, basic: 5)
            case .s4: return TerminalColor(xterm256: 172, basic: 3)
            case .s5: return TerminalColor(xterm256: 31, basic: 6)
            case .s6: return TerminalColor(xterm256: 240, basic: 0)
            case .s7: return TerminalColor(xterm256: 136, basic: 3)
            }
        }
    }
}

/// The characters the renderer draws with: Unicode box drawing and braille, or plain ASCII when the locale is
/// not UTF-8 (or the user asks).
public struct Glyphs: Sendable {
    public let unicode: Bool
    public let horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: Unicode.Scalar
    public let barFull, barEmpty, selection, check, uncheck, ellipsis, vrule: Unicode.Scalar
    /// Series markers; index i is used together with `Ink.series(i)` so colour and shape both identify a series.
    public let markers: [Unicode.Scalar]
    /// Phase timeline: single model, interpolation round, delayed ensemble, not reached yet.
    public let phaseSingle, phaseInterpolating, phaseEnsemble, phaseFuture, nowMarker: Unicode.Scalar

    public static let unicodeSet = Glyphs(unicode: true)
    public static let asciiSet = Glyphs(unicode: false)

    private init(unicode u: Bool) {
        unicode = u
        horizontal = u ? "─" : "-"; vertical = u ? "│" : "|"
        topLeft = u ? "┌" : "+"; topRight = u ? "┐" : "+"; bottomLeft = u ? "└" : "+"; bottomRight = u ? "┘" : "+"
        barFull = u ? "█" : "#"; barEmpty = u ? "░" : "."; selection = u ? "▶" : ">"
        check = u ? "☑" : "x"; uncheck = u ? "☐" : " "; ellipsis = u ? "…" : "~"; vrule = u ? "┊" : ":"
        markers = u ? ["●", "■", "▲", "◆", "▼", "○", "□", "△"] : ["o", "#", "^", "*", "v", "@", "+", "x"]
        phaseSingle = u ? "─" : "-"; phaseInterpolating = u ? "≈" : "~"; phaseEnsemble = u ? "≡" : "="
        phaseFuture = u ? "·" : " "; nowMarker = u ? "▲" : "^"
    }

    /// The marker of style slot `index` (`StrategyStyles.marker`, the shape SVG draws for the same slot).
    public func marker(_ index: Int) -> Unicode.Scalar { markers[StrategyStyles.marker(index)] }
}
