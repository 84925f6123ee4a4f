import DeniCore
import DeniTraining
import Foundation

/// One varied setting of a sweep: a key of the field table and its values — a list, or a range stepped on a
/// linear or log scale (`deni.noiseVariance=0.05,0.15,0.3`, `deni.noiseVariance=0.01:1:5log`, `deni.ensembleSize=3:9:4`).
public struct SweepAxis: Codable, Hashable, Sendable {
    public enum Values: Codable, Hashable, Sendable {
        case list([String])
        /// `steps` values from `low` to `high` inclusive; in a random search, drawn uniformly on that scale.
        case range(low: Double, high: Double, steps: Int, log: Bool)
    }
    public var key: String
    public var values: Values

    public init(key: String, values: Values) { self.key = key; self.values = values }

    /// Parses `KEY=V1,V2,…` or `KEY=LOW:HIGH:N[log|lin]`.
    public static func parse(_ text: String) throws(FieldError) -> SweepAxis {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw FieldError("'\(text)': expected KEY=V1,V2,… or KEY=LOW:HIGH:N[log|lin]")
        }
        let key = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
        let rest = String(text[text.index(after: eq)...])
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 3 {
            guard let low = Double(parts[0]), let high = Double(parts[1]) else {
                throw FieldError("\(key): range '\(rest)' needs two numbers, LOW:HIGH:N[log|lin]")
            }
            var steps = parts[2].lowercased(), log = false
            if steps.hasSuffix("log") { log = true; steps.removeLast(3) } else if steps.hasSuffix("lin") { steps.removeLast(3) }
            guard let n = Int(steps) else {
                throw FieldError("\(key): range '\(rest)': '\(parts[2])' is not a number of steps with an optional log or lin (e.g. \(parts[0]):\(parts[1]):4log)")
            }
            let axis = SweepAxis(key: key, values: .range(low: low, high: high, steps: n, log: log))
            try axis.check()
            return axis
        }
        let axis = SweepAxis(key: key, values: .list(rest.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }))
        try axis.check()
        return axis
    }

    /// Refuses what `parse` refuses, for axes read from a config or a session: an empty grid, an empty or repeated
    /// value, a range that is not LOW < HIGH with 2…1000 steps (LOW > 0 on a log scale).
    public func check() throws(FieldError) {
        switch values {
        case .list(let list):
            guard !list.isEmpty, list != [""] else { throw FieldError("\(key): no values (an empty grid)") }
            if list.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw FieldError("\(key): an empty value in '\(list.joined(separator: ","))'; write every value (the default too)")
            }
            if Set(list).count != list.count { throw FieldError("\(key): a value is listed twice") }
        case let .range(low, high, steps, log):
            let text = "\(Self.text(low)):\(Self.text(high)):\(steps)\(log ? "log" : "")"
            guard low.isFinite, high.isFinite else { throw FieldError("\(key): range '\(text)' needs two finite numbers") }
            guard steps >= 2, steps <= 1000 else { throw FieldError("\(key): range '\(text)' needs 2…1000 steps") }
            guard low < high else { throw FieldError("\(key): range '\(text)' needs LOW < HIGH") }
            if log && low <= 0 { throw FieldError("\(key): a log range needs LOW > 0 (got \(Self.text(low)))") }
        }
    }

    enum CodingKeys: String, CodingKey { case key, values }
    public init(from decoder: Decoder) throws {
        try StrictDecoding.refuseUnknownKeys(decoder, allowed: ["key", "values"], what: "sweep axis")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decode(String.self, forKey: .key)
        values = try c.decode(Values.self, forKey: .values)
        do { try check() } catch { throw DecodingError.dataCorruptedError(forKey: .values, in: c, debugDescription: error.message) }
    }

    /// The grid values, as text the field table parses.
    public var grid: [String] {
        switch values {
        case .list(let l): return l
        case let .range(low, high, steps, log):
            guard steps >= 2 else { return [Self.text(low)] }   // refused by `check`; never a trap
            return (0..<steps).map { i in
                let f = Double(i) / Double(steps - 1)
                let v = log ? exp(Foundation.log(low) + f * (Foundation.log(high) - Foundation.log(low))) : low + f * (high - low)
                return Self.text(i == steps - 1 ? high : v)
            }
        }
    }

    /// One random value: a list item uniformly, or a range value uniform on its scale.
    func sample(_ rng: inout RandomStream) -> String {
        switch values {
        case .list(let l): return l[rng.nextInt(below: l.count)]
        case let .range(low, high, _, log):
            let u = rng.nextDouble()
            return Self.text(log ? exp(Foundation.log(low) + u * (Foundation.log(high) - Foundation.log(low))) : low + u * (high - low))
        }
    }

    /// Integers as integers, other values to 4 significant digits (what a label can show).
    static func text(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
        return String(format: "%.4g", v)
    }
}

/// A sweep: axes over strategy settings, as a full grid or a random search. Expanding it over a base experiment
/// gives one experiment in which every strategy the axes touch appears once per point (a variant, labelled by
/// what differs from its kind's defaults) and every other strategy (Default, Ensemble…) once, as a baseline
/// that every point is paired with: run i of every variant and baseline shares run i's seeds.
public struct SweepPlan: Codable, Hashable, Sendable {
    public var axes: [SweepAxis]
    /// Points drawn at random (nil: the full grid).
    public var random: Int?
    public var seed: UInt64

    public init(axes: [SweepAxis], random: Int? = nil, seed: UInt64 = 0) { self.axes = axes; self.random = random; self.seed = seed }

    enum CodingKeys: String, CodingKey { case axes, random, seed }
    /// A plan read from a config or a session: its axes checked as `--vary` checks them, `random` within 1…`maxPoints`.
    public init(from decoder: Decoder) throws {
        try StrictDecoding.refuseUnknownKeys(decoder, allowed: ["axes", "random", "seed"], what: "sweep")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        axes = try c.decode([SweepAxis].self, forKey: .axes)
        random = try c.decodeIfPresent(Int.self, forKey: .random)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
        if axes.isEmpty { throw DecodingError.dataCorruptedError(forKey: .axes, in: c, debugDescription: "a sweep needs at least one axis") }
        if let n = random, !(1...Self.maxPoints).contains(n) {
            throw DecodingError.dataCorruptedError(forKey: .random, in: c, debugDescription: "\(n) random points: 1…\(Self.maxPoints)")
        }
    }

    /// Most points a sweep may have (a grid beyond it is refused before anything runs).
    public static let maxPoints = 1000

    /// The points: one value per axis, in axis order. The grid varies the last axis fastest; a random search
    /// draws `random` distinct points from `seed`.
    public func points() throws(FieldError) -> [[String]] {
        guard !axes.isEmpty else { throw FieldError("a sweep needs at least one --vary") }
        if Set(axes.map(\.key)).count != axes.count { throw FieldError("a setting is varied twice") }
        if let n = random {
            guard n >= 1, n <= Self.maxPoints else { throw FieldError("--random \(n): 1…\(Self.maxPoints) points") }
            var rng = RandomStream(key: seed)
            var seen = Set<[String]>(), out: [[String]] = []
            var attempts = 0
            while out.count < n && attempts < 100 * n {
                attempts += 1
                let p = axes.map { $0.sample(&rng) }
                if seen.insert(p).inserted { out.append(p) }
            }
            return out
        }
        var out: [[String]] = [[]]
        for axis in axes {
            out = out.flatMap { p in axis.grid.map { p + [$0] } }
            if out.count > Self.maxPoints { throw FieldError("the grid has more than \(Self.maxPoints) points; use --random N") }
        }
        return out
    }

    /// `base` expanded over the points. Strategy settings make variants: every strategy an axis touches appears once
    /// per point (labelled by what differs from its kind's defaults). Experiment-level settings (learning rate,
    /// samples, tuning…) are carried by the strategies (`StrategyConfig.experiment`): every other strategy — the
    /// baselines, Default, Ensemble… — appears once per distinct combination of the experiment-level values, so
    /// each point is paired with the Default trained under its own experiment-level settings, and run i of all of
    /// them shares run i's seeds. A key that is not in the field table, holds for a whole experiment, matches no
    /// strategy, or a value out of range, is refused naming it.
    public func experiment(_ base: ExperimentConfig) throws(FieldError) -> ExperimentConfig {
        guard !axes.isEmpty else { throw FieldError("a sweep needs at least one --vary") }
        enum Target { case experiment(ExperimentFields.Row), strategy(kind: StrategyKind?, key: String) }
        var targets: [Target] = []
        for axis in axes {
            switch try ExperimentFields.resolve(axis.key) {
            case .experiment:
                do throws(FieldError) { targets.append(.experiment(try ExperimentFields.overridable(axis.key))) }
                catch { throw FieldError("--vary \(axis.key): \(error.message)") }
            case let .strategy(kind, key):
                targets.append(.strategy(kind: kind, key: key))
            }
        }
        let strategyTargets = targets.compactMap { t -> (kind: StrategyKind?, key: String)? in
            if case let .strategy(kind, key) = t { (kind, key) } else { nil }
        }
        func touched(_ s: StrategyConfig) -> Bool {
            strategyTargets.contains { t in (t.kind == nil || t.kind == s.kind) && s.fields.contains { $0.key == t.key } }
        }
        if !strategyTargets.isEmpty && !base.strategies.contains(where: touched) {
            let keys = zip(axes, targets).compactMap { a, t in if case .strategy = t { a.key } else { nil } }
            throw FieldError("no strategy of this experiment has \(keys.joined(separator: " or ")) (add one with --strategy)")
        }
        let points = try points()
        // A point's experiment-level values, checked and written as the field table writes them back.
        func experimentValues(_ point: [String]) throws(FieldError) -> [(key: String, short: String, value: String)] {
            var scratch = base, out: [(key: String, short: String, value: String)] = []
            for (axis, (t, value)) in zip(axes, zip(targets, point)) {
                guard case .experiment(let row) = t else { continue }
                do throws(FieldError) { try row.field.set(&scratch, value) } catch { throw FieldError("--vary \(axis.key)=\(value): \(error.message)") }
                out.append((row.field.key, row.field.short, row.field.read(scratch)))
            }
            return out
        }
        func under(_ s: StrategyConfig, _ values: [(key: String, short: String, value: String)]) -> StrategyConfig {
            guard !values.isEmpty else { return s }
            var v = s
            v.name = nil
            v.name = ([v.label] + values.map { "\($0.short) \($0.value)" }).joined(separator: " · ")
            v.experiment = Dictionary(uniqueKeysWithValues: values.map { ($0.key, $0.value) })
            return v
        }
        var settings: [[(key: String, short: String, value: String)]] = []
        for p in points {
            let e = try experimentValues(p)
            if !settings.contains(where: { $0.map(\.value) == e.map(\.value) }) { settings.append(e) }
        }
        var c = base
        c.strategies = base.strategies.filter { !touched($0) }.flatMap { s in settings.map { under(s, $0) } }
        for s in base.strategies where touched(s) {
            for p in points {
                var v = s
                v.name = nil
                for (axis, (t, value)) in zip(axes, zip(targets, p)) {
                    guard case let .strategy(kind, key) = t, kind == nil || kind == s.kind,
                          let f = v.fields.first(where: { $0.key == key }) else { continue }
                    do throws(FieldError) { try f.set(&v, value) } catch { throw FieldError("--vary \(axis.key)=\(value): \(error.message)") }
                }
                c.strategies.append(under(v, try experimentValues(p)))
            }
        }
        c.sweep = self
        return c
    }
}
