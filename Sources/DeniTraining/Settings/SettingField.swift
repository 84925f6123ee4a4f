import DeniCore

/// One setting a user can change, defined once: its key (JSON key, sweep key, flag), how it reads and writes as
/// text, its valid range and its one-line help. The Setup form, the command line, sweeps, variant labels and
/// config validation all go through these rows.
public struct SettingField<Root>: @unchecked Sendable {
    /// JSON key of the value (`noiseVariance`); experiment-level keys may be dotted paths (`tuning.loraRank`).
    public let key: String
    /// Form label ("Noise variance σ²").
    public let label: String
    /// Variant labels name a setting by this ("σ²", "K").
    public let short: String
    /// One line of help (without the range).
    public let help: String
    /// The valid range in words ("≥ 0", "1...64").
    public let valid: String
    /// The values a choice cycles through (nil: free text).
    public let choices: [String]?
    /// Command-line flag without dashes (nil: no flag of its own).
    public let flag: String?
    /// The current value as text ("" for an unset optional).
    public let read: (Root) -> String
    /// Parses `text` into the value (no range check: `check` does that).
    public let write: (inout Root, String) throws(FieldError) -> Void
    /// Why the current value is out of range, or nil.
    public let check: (Root) -> String?

    public init(_ key: String, label: String, short: String? = nil, help: String, valid: String, choices: [String]? = nil,
                flag: String? = nil, read: @escaping (Root) -> String, write: @escaping (inout Root, String) throws(FieldError) -> Void,
                check: @escaping (Root) -> String? = { _ in nil }) {
        self.key = key; self.label = label; self.short = short ?? label; self.help = help; self.valid = valid
        self.choices = choices; self.flag = flag; self.read = read; self.write = write; self.check = check
    }

    /// The field seen through a path from another root (a strategy's settings inside a strategy config).
    public func lifted<Outer>(_ get: @escaping (Outer) -> Root?, _ set: @escaping (inout Outer, Root) -> Void) -> SettingField<Outer> {
        let (read, write, check) = (self.read, self.write, self.check)
        return SettingField<Outer>(key, label: label, short: short, help: help, valid: valid, choices: choices, flag: flag,
                                   read: { get($0).map(read) ?? "" },
                                   write: { (outer: inout Outer, text: String) throws(FieldError) in
                                       guard var inner = get(outer) else { throw FieldError("\(key) does not apply here") }
                                       try write(&inner, text)
                                       set(&outer, inner)
                                   },
                                   check: { get($0).flatMap(check) })
    }

    /// Parses and assigns `text`, then checks the range; the root is unchanged when either fails.
    public func set(_ root: inout Root, _ text: String) throws(FieldError) {
        var candidate = root
        try write(&candidate, text.trimmingSpaces)
        if let problem = check(candidate) { throw FieldError(problem) }
        root = candidate
    }
}

/// A value that does not parse or is out of range: one line saying what and what is valid.
public struct FieldError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}

/// Text ↔ value for the field rows: parsing with one clear message, formatting that reads back exactly.
public enum FieldText {
    public static func int(_ text: String) throws(FieldError) -> Int {
        guard let v = Int(text) else { throw FieldError("'\(short(text))' is not a whole number") }
        return v
    }

    public static func double(_ text: String) throws(FieldError) -> Double {
        guard let v = Double(text), v.isFinite else { throw FieldError("'\(short(text))' is not a number") }
        return v
    }

    /// A number that stays finite as a Float (1e39 would become infinity and pass a "> 0" check).
    public static func float(_ text: String) throws(FieldError) -> Float {
        let v = Float(try double(text))
        guard v.isFinite else { throw FieldError("'\(short(text))' is too large (beyond ±\(Float.greatestFiniteMagnitude))") }
        return v
    }

    public static func bool(_ text: String) throws(FieldError) -> Bool {
        switch text.lowercased() {
        case "true", "on", "yes", "1": return true
        case "false", "off", "no", "0": return false
        default: throw FieldError("'\(short(text))' is not on/off (true/false)")
        }
    }

    public static func choice<E: RawRepresentable & CaseIterable>(_ text: String, _: E.Type) throws(FieldError) -> E where E.RawValue == String {
        guard let v = E(rawValue: text) ?? E.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else {
            throw FieldError("'\(short(text))' is not one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }

    /// "2", "2e", "1.5 epochs" → epochs; "50s", "50 steps" → steps.
    public static func span(_ text: String) throws(FieldError) -> Span {
        let t = text.lowercased().replacingAll(" ", "")
        for suffix in ["steps", "step", "s"] where t.hasSuffix(suffix) {
            guard let n = Int(t.dropLast(suffix.count)) else { break }
            return .steps(n)
        }
        var body = Substring(t)
        for suffix in ["epochs", "epoch", "e"] where body.hasSuffix(suffix) { body = body.dropLast(suffix.count); break }
        guard let e = Double(body), e.isFinite else { throw FieldError("'\(short(text))' is not a span: try '1e' (epochs) or '50s' (steps)") }
        return .epochs(e)
    }

    public static func format(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
        return "\(v)"
    }

    public static func format(_ v: Float) -> String {
        if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
        return "\(v)"
    }

    public static func format(_ s: Span) -> String {
        switch s {
        case .steps(let n): "\(n)s"
        case .epochs(let e): "\(format(e))e"
        }
    }

    public static func format(_ b: Bool) -> String { b ? "on" : "off" }

    static func short(_ s: String) -> String { s.count > 24 ? String(s.prefix(24)) + "…" : s }
}

extension String {
    fileprivate func replacingAll(_ a: Character, _ b: String) -> String { String(self.flatMap { $0 == a ? Array(b) : [$0] }) }
}

/// Field constructors for the common value types.
extension SettingField {
    public static func int(_ key: String, label: String, short: String? = nil, help: String, flag: String? = nil,
                           _ range: ClosedRange<Int>, _ path: WritableKeyPath<Root, Int>) -> SettingField {
        SettingField(key, label: label, short: short, help: help, valid: "\(range.lowerBound)...\(range.upperBound)", flag: flag,
                     read: { "\($0[keyPath: path])" },
                     write: { (r: inout Root, t: String) throws(FieldError) in r[keyPath: path] = try FieldText.int(t) },
                     check: { range.contains($0[keyPath: path]) ? nil : "\(label) \($0[keyPath: path]) is outside \(range.lowerBound)...\(range.upperBound)" })
    }

    public static func double(_ key: String, label: String, short: String? = nil, help: String, flag: String? = nil,
                              valid: String, _ ok: @escaping (Double) -> Bool, _ path: WritableKeyPath<Root, Double>) -> SettingField {
        SettingField(key, label: label, short: short, help: help, valid: valid, flag: flag,
                     read: { FieldText.format($0[keyPath: path]) },
                     write: { (r: inout Root, t: String) throws(FieldError) in r[keyPath: path] = try FieldText.double(t) },
                     check: { ok($0[keyPath: path]) ? nil : "\(label) \(FieldText.format($0[keyPath: path])) is outside \(valid)" })
    }

    public static func bool(_ key: String, label: String, short: String? = nil, help: String, flag: String? = nil,
                            _ path: WritableKeyPath<Root, Bool>) -> SettingField {
        SettingField(key, label: label, short: short, help: help, valid: "on or off", choices: ["on", "off"], flag: flag,
                     read: { FieldText.format($0[keyPath: path]) },
                     write: { (r: inout Root, t: String) throws(FieldError) in r[keyPath: path] = try FieldText.bool(t) })
    }

    public static func choice<E: RawRepresentable & CaseIterable & Sendable>(_ key: String, label: String, short: String? = nil, help: String,
                                                                              flag: String? = nil, _ path: WritableKeyPath<Root, E>) -> SettingField
        where E.RawValue == String {
        SettingField(key, label: label, short: short, help: help, valid: E.allCases.map(\.rawValue).joined(separator: ", "),
                     choices: E.allCases.map(\.rawValue), flag: flag,
                     read: { $0[keyPath: path].rawValue },
                     write: { (r: inout Root, t: String) throws(FieldError) in r[keyPath: path] = try FieldText.choice(t, E.self) })
    }
}
