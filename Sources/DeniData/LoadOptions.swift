/// How a dataset file is read.

/// A column of a CSV/TSV file (0-based index or header name) or a key of a JSON Lines object (name).
public enum ColumnRef: Sendable, Hashable, Codable, CustomStringConvertible {
    case index(Int)
    case name(String)

    /// Parses a command-line value: digits are a 0-based column index, anything else a column name.
    public init(argument: String) {
        if let i = Int(argument), i >= 0 { self = .index(i) } else { self = .name(argument) }
    }

    public var description: String {
        switch self {
        case .index(let i): "column \(i)"
        case .name(let n): "'\(n)'"
        }
    }
}

/// Which columns hold the text, the optional second text and the label. A nil entry is found automatically:
/// by header name (see `UserDataFormat` for the names recognised) or, in a file without a header, the
/// label is the column with the fewest distinct values and the text the longest of the others.
public struct ColumnMapping: Sendable, Hashable, Codable {
    public var text: ColumnRef?
    public var pair: ColumnRef?
    public var label: ColumnRef?
    public init(text: ColumnRef? = nil, pair: ColumnRef? = nil, label: ColumnRef? = nil) {
        self.text = text; self.pair = pair; self.label = label
    }
}

/// File formats for a user's own data.
public enum UserDataFormat: String, Sendable, Codable, CaseIterable {
    case csv, tsv, jsonl

    /// The format a file name's extension implies (.csv; .tsv or .tab; .jsonl, .ndjson or .json), or nil.
    public static func guess(fromPath path: String) -> UserDataFormat? {
        let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        switch ext {
        case "csv": return .csv
        case "tsv", "tab": return .tsv
        case "jsonl", "ndjson", "json": return .jsonl
        default: return nil
        }
    }
}

/// Whether the first row of a CSV/TSV file names the columns.
public enum HeaderMode: String, Sendable, Codable, CaseIterable {
    /// Present when any column is mapped by name; otherwise guessed from the first row (its label value
    /// occurs in no later row and is a usual column name such as "label", or is a word where every later
    /// label is an integer).
    case auto
    case present
    case absent
}

/// Options for `DatasetRegistry.load`. The defaults read every registered dataset as published.
public struct LoadOptions: Sendable, Hashable, Codable {
    /// Skip rows with problems and report them in `Dataset.skipped` instead of failing on the first one.
    /// File-level problems (missing, empty, binary, unclosed quote, fewer than two classes) still fail.
    public var skipBadRows = false
    /// User files: the encoding (registered datasets know their own).
    public var encoding = TextEncoding.utf8
    /// User files: nil guesses from the extension.
    public var format: UserDataFormat? = nil
    public var columns = ColumnMapping()
    public var header = HeaderMode.auto
    /// User files: the class names in class-index order. Labels may then be these names or integer indices
    /// (counted from `labelBase`); a label that is neither is an error. Nil: the classes are the distinct
    /// label values, in numeric order when all are integers, else in lexicographic order.
    public var labelNames: [String]? = nil
    /// User files: the first integer label when `labelNames` is given (0 or 1).
    public var labelBase = 0
    /// User files: a separate test file (same format and columns); the protocol then keeps this split by default.
    public var testFile: String? = nil
    /// Overrides the dataset's maximum length in tokens. User files default to 50 (the paper's usual value),
    /// or 128 when they hold sentence pairs.
    public var maxLength: Int? = nil
    /// A row longer than this many bytes is an error (or skipped): it guards against non-text input.
    public var maxRowBytes = 1 << 20

    public init() {}

    /// The keys of a `data` object and of its `columns` (a config refuses any other).
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static let columnKeys = ["text", "pair", "label"]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case skipBadRows, encoding, format, columns, header, labelNames, labelBase, testFile, maxLength, maxRowBytes
    }

    /// Missing keys take their defaults (a config may give only the options it changes).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        if let v = try c.decodeIfPresent(Bool.self, forKey: .skipBadRows) { skipBadRows = v }
        if let v = try c.decodeIfPresent(TextEncoding.self, forKey: .encoding) { encoding = v }
        format = try c.decodeIfPresent(UserDataFormat.self, forKey: .format)
        if let v = try c.decodeIfPresent(ColumnMapping.self, forKey: .columns) { columns = v }
        if let v = try c.decodeIfPresent(HeaderMode.self, forKey: .header) { header = v }
        labelNames = try c.decodeIfPresent([String].self, forKey: .labelNames)
        if let v = try c.decodeIfPresent(Int.self, forKey: .labelBase) { labelBase = v }
        testFile = try c.decodeIfPresent(String.self, forKey: .testFile)
        maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength)
        if let v = try c.decodeIfPresent(Int.self, forKey: .maxRowBytes) { maxRowBytes = v }
    }
}
