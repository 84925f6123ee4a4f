/// A problem with input data, located as precisely as the reader knows it.
///
/// `description` reads `file:line: problem` (or `file: problem` when no line applies), so every message names
/// the file, the line and what is wrong — the form editors and terminals recognise.
public struct DataError: Error, CustomStringConvertible, Hashable, Sendable {
    /// The file (or folder, for a missing dataset) the problem is in.
    public var file: String
    /// 1-based line number where the offending row starts; nil for whole-file problems.
    public var line: Int?
    /// What is wrong, and where useful what to do about it.
    public var problem: String

    public init(file: String, line: Int? = nil, _ problem: String) {
        self.file = file; self.line = line; self.problem = problem
    }

    public var description: String {
        if let line { return "\(file):\(line): \(problem)" }
        return "\(file): \(problem)"
    }
}

/// Rows left out under `LoadOptions.skipBadRows`: always counted and reported, never dropped silently.
public struct SkippedRows: Hashable, Sendable, Codable {
    /// How many rows were skipped.
    public var count = 0
    /// The first few problems in file order (files as first met, then by line), at most `SkippedRows.keptExamples`.
    public var first: [DataError] = []
    public static let keptExamples = 5
    /// Files in the order they were first met, to order `first`.
    private var files: [String] = []

    public init() {}

    mutating func record(_ error: DataError) {
        count += 1
        if !files.contains(error.file) { files.append(error.file) }
        first.append(error)
        first.sort { a, b in
            let fa = files.firstIndex(of: a.file)!, fb = files.firstIndex(of: b.file)!
            return fa != fb ? fa < fb : (a.line ?? 0) < (b.line ?? 0)
        }
        if first.count > Self.keptExamples { first.removeLast() }
    }

    /// One line for logs and the UI, e.g. "skipped 3 bad rows (first: data.csv lines 4, 9, 12: …)"; empty when none.
    public var summary: String {
        guard count > 0 else { return "" }
        let lines = first.map { e in e.line.map { "\(e.file):\($0)" } ?? e.file }.joined(separator: ", ")
        return "skipped \(count) bad row\(count == 1 ? "" : "s") (first at \(lines); first problem: \(first[0].problem))"
    }
}

extension DataError: Codable {}
