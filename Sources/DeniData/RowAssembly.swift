import Foundation

/// Turning raw rows (strings as read) into labelled examples, with the row-level checks every loader shares.

/// A row as read: its texts and its label as written in the file.
struct RawRow {
    let line: Int
    let text: String
    let pair: String?
    let label: String
}

/// The rows of one official split (or one user file) before labels are mapped.
struct RawPart {
    let name: String
    let role: SplitRole
    /// Display path used in messages and in `DatasetPart.file`.
    let file: String
    var rows: [RawRow]
}

/// Gathers row problems: throws the first one, or records it when bad rows are skipped.
struct ProblemLog {
    let skipBadRows: Bool
    var skipped = SkippedRows()

    mutating func report(_ error: DataError) throws(DataError) {
        guard skipBadRows else { throw error }
        skipped.record(error)
    }
}

/// Maps label values as written to class indices.
struct LabelTable {
    let classNames: [String]
    private let lookup: [String: Int]

    /// Raw value `raw[i]` (and the class name itself) means class i.
    init(classNames: [String], raw: [String]? = nil) {
        self.classNames = classNames
        var lookup: [String: Int] = [:]
        for (i, name) in classNames.enumerated() { lookup[name] = i }
        for (i, value) in (raw ?? []).enumerated() { lookup[value] = i }
        self.lookup = lookup
    }

    /// Class names given by the user: labels are names, or integers counted from `base`.
    init(userNames: [String], base: Int) {
        var raw: [String: Int] = [:]
        for i in userNames.indices { raw[String(i + base)] = i }
        for (i, name) in userNames.enumerated() { raw[name] = i }
        classNames = userNames
        lookup = raw
    }

    /// Classes inferred from the values present: numeric order when every value is an integer, else
    /// lexicographic order (so the class indices do not depend on row order). Each class is named as the file
    /// writes it. Integer labels written two ways (`1`, `01`, `+1`) would be one number but two classes — one of
    /// them empty, which lowers macro-F1 — so they are refused, naming the spellings.
    static func inferred(from values: Set<String>, file: String) throws(DataError) -> LabelTable {
        let ints = values.map { ($0, Int($0)) }
        guard ints.allSatisfy({ $0.1 != nil }) else { return LabelTable(classNames: values.sorted()) }
        let byValue = Dictionary(grouping: ints, by: { $0.1! })
        if let clash = byValue.filter({ $0.value.count > 1 }).min(by: { $0.key < $1.key }) {
            let spellings = clash.value.map(\.0).sorted().map { "'\($0)'" }.joined(separator: ", ")
            throw DataError(file: file, "labels \(spellings) are the same integer \(clash.key) written differently; write each class one way")
        }
        return LabelTable(classNames: ints.sorted { $0.1! < $1.1! }.map(\.0))
    }

    func index(_ raw: String) -> Int? { lookup[raw] }
}

/// Builds a dataset from raw parts: trims texts, maps labels, checks each row (empty text, missing or unknown
/// label) and that at least two classes have examples.
func assembleDataset(name: String, parts: [RawPart], labels: LabelTable, maxLength: Int,
                     defaultPairMode: PairMode, keepsOfficialSplit: Bool,
                     log: inout ProblemLog) throws(DataError) -> Dataset {
    var examples: [Example] = []
    examples.reserveCapacity(parts.reduce(0) { $0 + $1.rows.count })
    var datasetParts: [DatasetPart] = []
    for part in parts {
        let start = examples.count
        for row in part.rows {
            let text = row.text.trimmingWhitespace
            let pair = row.pair?.trimmingWhitespace
            let label = row.label.trimmingWhitespace
            if text.isEmpty {
                try log.report(DataError(file: part.file, line: row.line, "text is empty")); continue
            }
            if pair?.isEmpty == true {
                try log.report(DataError(file: part.file, line: row.line, "second text (pair) is empty")); continue
            }
            if label.isEmpty {
                try log.report(DataError(file: part.file, line: row.line, "label is missing")); continue
            }
            guard let index = labels.index(label) else {
                let known = labels.classNames.prefix(20).joined(separator: ", ")
                try log.report(DataError(file: part.file, line: row.line,
                                         "unknown label '\(label.prefix(80))' (classes: \(known)\(labels.classNames.count > 20 ? ", …" : ""))"))
                continue
            }
            examples.append(Example(text: text, pair: pair, label: index))
        }
        datasetParts.append(DatasetPart(name: part.name, role: part.role, file: part.file, range: start..<examples.count))
    }
    let dataset = Dataset(name: name, classNames: labels.classNames, examples: examples, maxLength: maxLength,
                          parts: datasetParts, defaultPairMode: defaultPairMode,
                          keepsOfficialSplitByDefault: keepsOfficialSplit, skipped: log.skipped)
    let present = dataset.classCounts().enumerated().filter { $0.element > 0 }
    let where_ = parts.map(\.file).joined(separator: ", ")
    if examples.isEmpty { throw DataError(file: where_, "no usable rows") }
    if present.count < 2 {
        throw DataError(file: where_, "only one class ('\(labels.classNames[present[0].offset])') has examples; classification needs at least two")
    }
    return dataset
}

extension String {
    /// The string without leading and trailing white space (Unicode White_Space); native, unlike Foundation's
    /// trimming, which bridged through UTF-16 and was most of the load time.
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return self }
        return String(scalars[first...last])
    }
}
