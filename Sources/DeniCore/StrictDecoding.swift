import Foundation

/// Decoding that refuses what it does not know: a key no field reads (a typo such as `epoch`) is an error that
/// names the nearest valid key, instead of being ignored.

/// Any JSON object key.
public struct AnyKey: CodingKey, Hashable, Sendable {
    public var stringValue: String
    public var intValue: Int?
    public init(_ s: String) { stringValue = s }
    public init?(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { stringValue = "\(intValue)"; self.intValue = intValue }
}

public enum StrictDecoding {
    /// Throws `DecodingError.dataCorrupted` at the first key of the object being decoded that is not in `allowed`,
    /// with the nearest allowed key when one is close. `what` names the object in the message ("experiment config").
    public static func refuseUnknownKeys(_ decoder: Decoder, allowed: [String], what: String) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        for key in c.allKeys.map(\.stringValue).sorted() where !allowed.contains(key) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [AnyKey(key)],
                                                    debugDescription: unknownKeyMessage(key, allowed: allowed, what: what)))
        }
    }

    /// "unknown key 'epoch' in the experiment config (did you mean 'epochs'?)" or, with no near key, the valid ones.
    public static func unknownKeyMessage(_ key: String, allowed: [String], what: String) -> String {
        if let near = nearest(key, in: allowed) { return "unknown key '\(key)' in the \(what) (did you mean '\(near)'?)" }
        return "unknown key '\(key)' in the \(what) (valid: \(allowed.sorted().joined(separator: ", ")))"
    }

    /// The candidate closest to `word` by edit distance (case-insensitive), if within a third of its length (at least 2).
    public static func nearest(_ word: String, in candidates: [String]) -> String? {
        let w = Array(word.lowercased())
        var best: (String, Int)? = nil
        for c in candidates {
            let d = distance(w, Array(c.lowercased()))
            if best == nil || d < best!.1 { best = (c, d) }
        }
        guard let (name, d) = best, d <= max(2, w.count / 3) else { return nil }
        return name
    }

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count), current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// `describe(error)` for an error decoding `data`. Foundation's decoder on Linux reports a number that does not fit
    /// the field's type (a fraction, or too large, for a whole number) as "not valid JSON", without the key: when the
    /// bytes are valid JSON, that is what it says instead.
    public static func describe(_ error: Error, decoding data: Data) -> String {
        if case let .dataCorrupted(c)? = error as? DecodingError, c.codingPath.isEmpty, c.underlyingError == nil,
           c.debugDescription.hasPrefix("The given data was not valid JSON"), (try? JSONSerialization.jsonObject(with: data)) != nil {
            return "a number does not fit its field: a fraction or a value too large where a whole number is expected (the JSON itself is valid)"
        }
        return describe(error)
    }

    /// One line for a decoding error: where (the key path), what is wrong, in words a user can act on.
    public static func describe(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func path(_ p: [CodingKey]) -> String {
            var out = ""
            for k in p {
                if let i = k.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + k.stringValue }
            }
            return out.isEmpty ? "top level" : out
        }
        switch e {
        case let .dataCorrupted(c):
            if c.debugDescription.hasPrefix("The given data was not valid JSON") {
                let underlying = (c.underlyingError.map { "\($0)" } ?? "")
                return "not valid JSON" + (underlying.isEmpty ? "" : ": \(underlying)")
            }
            return "\(path(c.codingPath)): \(c.debugDescription)"
        case let .keyNotFound(k, c): return "\(path(c.codingPath + [k])): missing (required)"
        case let .typeMismatch(t, c): return "\(path(c.codingPath)): expected \(typeName(t))"
        case let .valueNotFound(t, c): return "\(path(c.codingPath)): null where \(typeName(t)) is expected"
        @unknown default: return "\(error)"
        }
    }

    static func typeName(_ t: Any.Type) -> String {
        switch t {
        case is Int.Type, is Int64.Type, is UInt64.Type: "a whole number"
        case is Double.Type, is Float.Type: "a number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        default: "\(t)".hasPrefix("Array") ? "a list" : "\(t)".hasPrefix("Dictionary") ? "an object" : "a \(t)"
        }
    }
}
