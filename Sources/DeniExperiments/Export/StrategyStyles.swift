import DeniTraining

/// The one assignment of a series style to each strategy, for every picture: the terminal UI (Live, Results,
/// Compare, Setup) and the SVG exports. A style is a slot; slot `s` has colour `color(s)` (an index into the
/// eight Okabe–Ito colours, `PlotStyle.okabeIto` in SVG, `Ink.s0…s7` in the terminal) and marker `marker(s)`
/// (an index into the eight marker shapes, `PlotStyle.Marker` in SVG, `Glyphs.markers` in the terminal).
///
/// **Built-in strategies keep one slot everywhere**: a label that is a strategy kind's display name ("DENI") or
/// raw name ("deni") gets the kind's fixed slot (`builtIn`: Default, Ensemble, DENI, NI, DE, … — the eight most
/// used have eight different colours). **Other labels** (sweep variants "DENI · σ² 0.05", named strategies) take
/// the lowest slots no built-in label of the same picture holds, in the order they are listed — so a picture
/// never shows two strategies alike, and a session's variants keep their styles on every screen that lists the
/// session's strategies first.
public struct StrategyStyles: Hashable, Sendable {
    /// Built-in kinds in slot order: the most used first, then every other kind in catalog order (a new kind
    /// gets a slot without being listed here).
    public static let builtIn: [StrategyKind] = {
        let first: [StrategyKind] = [.standard, .ensemble, .deni, .ni, .de, .bestPractices, .swa, .ema]
        return first + StrategyKind.allCases.filter { !first.contains($0) }
    }()
    /// Distinct (colour, marker) pairs before slots repeat.
    public static let slotCount = 64

    private var slots: [String: Int] = [:]

    /// Styles for the strategies `labels` shown together (in display order).
    public init(_ labels: [String]) {
        var taken = Set<Int>()
        for label in labels { if let s = Self.builtInSlot(label) { slots[label] = s; taken.insert(s) } }
        var next = 0
        for label in labels where slots[label] == nil {
            while taken.contains(next % Self.slotCount) && taken.count < Self.slotCount { next += 1 }
            slots[label] = next % Self.slotCount
            taken.insert(next % Self.slotCount)
            next += 1
        }
    }

    /// The slot of `label` (a label not given to `init` gets its built-in slot, else 0).
    public func slot(_ label: String) -> Int { slots[label] ?? Self.builtInSlot(label) ?? 0 }

    /// The fixed slot of a built-in strategy named by its display name or raw name; nil for any other label.
    public static func builtInSlot(_ label: String) -> Int? {
        guard let kind = StrategyKind.allCases.first(where: { $0.displayName == label }) ?? StrategyKind(rawValue: label) else { return nil }
        return slot(of: kind)
    }

    public static func slot(of kind: StrategyKind) -> Int { builtIn.firstIndex(of: kind)! }

    /// Colour index (0..<8) of a slot.
    public static func color(_ slot: Int) -> Int { ((slot % 8) + 8) % 8 }

    /// Marker index (0..<8) of a slot: it shifts by one every eight slots, so colour + marker pairs stay distinct.
    public static func marker(_ slot: Int) -> Int { let s = max(0, slot); return (s + s / 8) % 8 }
}
