import Foundation

/// Reading a user's own CSV, TSV or JSON Lines file (and an optional separate test file).
enum UserDataLoader {
    /// Header names recognised for each role, in order of preference (compared case-insensitively).
    static let textNames = ["text", "sentence", "sentence1", "text_a", "text1", "content", "review", "question",
                            "utterance", "document", "description", "premise", "#1 string"]
    static let pairNames = ["sentence2", "text_b", "text2", "pair", "passage", "hypothesis", "question2", "#2 string"]
    static let labelNames = ["label", "labels", "class", "category", "target", "intent", "sentiment", "gold_label",
                             "gold", "answer", "quality", "y"]

    static func load(path: String, options: LoadOptions) throws(DataError) -> Dataset {
        guard let format = options.format ?? UserDataFormat.guess(fromPath: path) else {
            throw DataError(file: path, "cannot tell the format from the file name; name it .csv, .tsv or .jsonl or give the format (csv, tsv, jsonl)")
        }
        var log = ProblemLog(skipBadRows: options.skipBadRows)
        var parts: [RawPart] = []
        var resolved: ResolvedColumns? = nil
        var jsonKeys: String? = nil
        let files = [(path, SplitRole.train, "train")] + (options.testFile.map { [($0, SplitRole.test, "test")] } ?? [])
        for (file, role, name) in files {
            let text = try TextFile(URL(fileURLWithPath: file), encoding: options.encoding)
            let rows: [RawRow]
            switch format {
            case .csv, .tsv:
                rows = try readDelimited(text, delimiter: format == .csv ? 0x2C : 0x09, options: options,
                                         previous: &resolved, log: &log)
            case .jsonl:
                rows = try readJSONLines(text, options: options, log: &log, keys: &jsonKeys)
            }
            parts.append(RawPart(name: options.testFile == nil ? "all" : name, role: role, file: file, rows: rows))
        }
        let table: LabelTable
        if let names = options.labelNames {
            guard !names.isEmpty, Set(names).count == names.count else {
                throw DataError(file: path, "label names must be non-empty and distinct: \(names)")
            }
            table = LabelTable(userNames: names, base: options.labelBase)
        } else {
            var values = Set<String>()
            for part in parts { for row in part.rows { values.insert(row.label.trimmingWhitespace) } }
            values.remove("")
            table = try LabelTable.inferred(from: values, file: path)
        }
        let hasPairs = parts.contains { $0.rows.contains { $0.pair != nil } }
        let name = URL(fileURLWithPath: path).lastPathComponent
        var dataset = try assembleDataset(name: name, parts: parts, labels: table,
                                          maxLength: options.maxLength ?? (hasPairs ? 128 : 50),
                                          defaultPairMode: .singleSequence, keepsOfficialSplit: options.testFile != nil,
                                          log: &log)
        dataset.columns = jsonKeys ?? resolved.map(describe)
        return dataset
    }

    /// "text 'sentence' (column 0) · label 'label' (column 1)": the columns a delimited file was read by.
    static func describe(_ c: ResolvedColumns) -> String {
        func name(_ i: Int) -> String {
            guard let names = c.headerNames, i < names.count else { return "column \(i)" }
            return "'\(names[i])' (column \(i))"
        }
        return (["text \(name(c.text))"] + (c.pair.map { ["second text \(name($0))"] } ?? []) + ["label \(name(c.label))"])
            .joined(separator: " · ")
    }

    /// Column indices in use, with the header names they had (to find the same columns in a test file).
    struct ResolvedColumns {
        var text: Int, pair: Int?, label: Int
        var headerNames: [String]?
    }

    // MARK: CSV / TSV

    /// Rows of a CSV/TSV file under `options` (header rule, column mapping). `quote` nil reads every quote
    /// as text (the GLUE TSV files); `previous` carries the columns chosen for the train file to its test file.
    static func readDelimited(_ file: TextFile, delimiter: UInt8, quote: UInt8? = 0x22, options: LoadOptions,
                              previous: inout ResolvedColumns?, log: inout ProblemLog) throws(DataError) -> [RawRow] {
        let scanned = try scanRows(file, delimiter: delimiter, quote: quote, maxRowBytes: options.maxRowBytes)
        var records: [RawRecord] = []
        records.reserveCapacity(scanned.count)
        for row in scanned {
            switch row {
            case .record(let r): records.append(r)
            case .bad(let line, let problem): try log.report(DataError(file: file.name, line: line, problem))
            }
        }
        guard let first = records.first else { throw DataError(file: file.name, "no readable rows") }
        let firstFields = try first.fields.indices.map { i throws(DataError) in
            try file.field(first, i, what: "header or first row").trimmingWhitespace
        }
        let mapping = options.columns
        let byName = [mapping.text, mapping.pair, mapping.label].contains { if case .name = $0 { true } else { false } }
        let hasHeader: Bool
        switch options.header {
        case .present: hasHeader = true
        case .absent: hasHeader = false
        case .auto:
            hasHeader = try byName ? true : looksLikeHeader(firstFields, records: records, file: file,
                                                            mapping: mapping, options: options, previous: previous)
        }
        if byName && !hasHeader {
            throw DataError(file: file.name, line: 1, "columns are mapped by name but the file is read without a header")
        }
        let body = hasHeader ? Array(records.dropFirst()) : records
        let expected = first.fields.count
        let columns: ResolvedColumns
        if hasHeader {
            columns = try resolve(header: firstFields, mapping: mapping, previous: previous, file: file)
        } else if let previous, mapping.text == nil || mapping.label == nil {
            columns = ResolvedColumns(text: previous.text, pair: previous.pair, label: previous.label, headerNames: nil)
        } else {
            columns = try guessWithoutHeader(body, fieldCount: expected, mapping: mapping, file: file)
        }
        if previous == nil { previous = columns }
        for c in [columns.text, columns.label] + (columns.pair.map { [$0] } ?? []) where c >= expected || c < 0 {
            throw DataError(file: file.name, line: first.line, c < 0 ? "column \(c) does not exist: columns count from 0"
                            : "column \(c) does not exist: the \(hasHeader ? "header" : "first row") has \(expected) fields")
        }
        // One column cannot play two roles (training on the label column, or on the text twice).
        let roles = [("text", columns.text), ("label", columns.label)] + (columns.pair.map { [("second text", $0)] } ?? [])
        for (i, a) in roles.enumerated() {
            for b in roles[(i + 1)...] where a.1 == b.1 {
                let name = columns.headerNames.flatMap { a.1 < $0.count ? " ('\($0[a.1])')" : nil } ?? ""
                throw DataError(file: file.name, line: first.line, "the \(a.0) and the \(b.0) are both column \(a.1)\(name); each needs a column of its own")
            }
        }
        var rows: [RawRow] = []
        rows.reserveCapacity(body.count)
        for r in body {
            if hasHeader && isCopy(r, of: firstFields, file: file) {
                try log.report(DataError(file: file.name, line: r.line, "repeats the header row (files joined together?); not an example"))
                continue
            }
            guard r.fields.count == expected else {
                try log.report(DataError(file: file.name, line: r.line,
                                         "expected \(expected) fields (as in the \(hasHeader ? "header" : "first row")), found \(r.fields.count)"))
                continue
            }
            do throws(DataError) {
                let text = try file.field(r, columns.text, what: "text field")
                let pair = try columns.pair.map { p throws(DataError) in try file.field(r, p, what: "second text field") }
                let label = try file.field(r, columns.label, what: "label field")
                rows.append(RawRow(line: r.line, text: text, pair: pair, label: label))
            } catch {
                try log.report(error)
            }
        }
        return rows
    }

    /// The `auto` header rule (see `HeaderMode.auto`).
    static func looksLikeHeader(_ firstFields: [String], records: [RawRecord], file: TextFile, mapping: ColumnMapping,
                                options: LoadOptions, previous: ResolvedColumns?) throws(DataError) -> Bool {
        if previous?.headerNames != nil { return true }
        let lowered = firstFields.map { $0.lowercased() }
        let labelIndex: Int
        if case .index(let i) = mapping.label { labelIndex = i }
        else if let i = lowered.firstIndex(where: { labelNames.contains($0) }) { labelIndex = i }
        else if let previous { labelIndex = previous.label }
        else {
            // No label column named in the first row: a header only if some field is a known text column name.
            return lowered.contains { textNames.contains($0) } && records.count > 1
        }
        guard labelIndex < firstFields.count else { return false }
        let value = firstFields[labelIndex]
        if let names = options.labelNames {
            return !names.contains(value) && Int(value) == nil
        }
        var laterLabels: [String] = []
        for r in records.dropFirst().prefix(1000) where labelIndex < r.fields.count {
            laterLabels.append((try? file.field(r, labelIndex, what: "label"))?.trimmingWhitespace ?? "")
        }
        if laterLabels.contains(value) {
            // Rows repeating the whole first row are copies of a header (files joined together): still a header,
            // if every later row with its label value is such a copy.
            let sameLabel = records.dropFirst().prefix(1000).filter { r in
                labelIndex < r.fields.count && ((try? file.field(r, labelIndex, what: "label"))?.trimmingWhitespace ?? "") == value
            }
            return sameLabel.allSatisfy { isCopy($0, of: firstFields, file: file) } && labelNames.contains(value.lowercased())
        }
        if labelNames.contains(value.lowercased()) { return true }
        return Int(value) == nil && !laterLabels.isEmpty && laterLabels.allSatisfy { Int($0) != nil }
    }

    /// Whether `record` holds exactly `fields` (a repeated header row).
    static func isCopy(_ record: RawRecord, of fields: [String], file: TextFile) -> Bool {
        guard record.fields.count == fields.count else { return false }
        return fields.indices.allSatisfy { i in ((try? file.field(record, i, what: "field"))?.trimmingWhitespace ?? "") == fields[i] }
    }

    static func resolve(header: [String], mapping: ColumnMapping, previous: ResolvedColumns?,
                        file: TextFile) throws(DataError) -> ResolvedColumns {
        let lowered = header.map { $0.lowercased() }
        func find(_ ref: ColumnRef?, aliases: [String], role: String, required: Bool) throws(DataError) -> Int? {
            switch ref {
            case .index(let i): return i
            case .name(let n):
                guard let i = lowered.firstIndex(of: n.lowercased()) else {
                    throw DataError(file: file.name, line: 1, "no column named '\(n)' for the \(role); the header has: \(header.joined(separator: ", "))")
                }
                return i
            case nil:
                if let previousNames = previous?.headerNames, let previous {
                    let index = role == "text" ? previous.text : role == "label" ? previous.label : previous.pair
                    if let index, let i = lowered.firstIndex(of: previousNames[index].lowercased()) { return i }
                }
                for alias in aliases { if let i = lowered.firstIndex(of: alias) { return i } }
                if required {
                    throw DataError(file: file.name, line: 1, "no \(role) column found; the header has: \(header.joined(separator: ", ")); name the \(role) column (recognised names: \(aliases.prefix(6).joined(separator: ", ")), …)")
                }
                return nil
            }
        }
        let text = try find(mapping.text, aliases: textNames, role: "text", required: true)!
        let label = try find(mapping.label, aliases: labelNames, role: "label", required: true)!
        var pair = try find(mapping.pair, aliases: pairNames, role: "pair", required: false)
        // A second text found by its usual names may be the text or label column itself: then there is none. One
        // the user named is kept, and refused below if it is the text or the label column.
        if mapping.pair == nil && (pair == text || pair == label) { pair = nil }
        return ResolvedColumns(text: text, pair: pair, label: label, headerNames: header)
    }

    /// Without a header: the label is the column with the fewest distinct values (first 1,000 rows), the text
    /// the longest of the others on average; explicit indices win.
    static func guessWithoutHeader(_ records: [RawRecord], fieldCount: Int, mapping: ColumnMapping,
                                   file: TextFile) throws(DataError) -> ResolvedColumns {
        func index(_ ref: ColumnRef?) -> Int? { if case .index(let i) = ref { i } else { nil } }
        let pair = index(mapping.pair)
        if let t = index(mapping.text), let l = index(mapping.label) {
            return ResolvedColumns(text: t, pair: pair, label: l, headerNames: nil)
        }
        guard fieldCount >= 2 else {
            throw DataError(file: file.name, line: records.first?.line ?? 1, "only one column: a text column and a label column are needed (check the delimiter: CSV uses commas, TSV tabs)")
        }
        let sample = records.prefix(1000).filter { $0.fields.count == fieldCount }
        var distinct = [Set<Substring>](repeating: [], count: fieldCount)
        var length = [Int](repeating: 0, count: fieldCount)
        for r in sample {
            for c in 0..<fieldCount {
                let range = r.fields[c]
                length[c] += range.count
                distinct[c].insert(Substring(decoding: file.bytes[range], as: UTF8.self))
            }
        }
        let label = index(mapping.label) ?? (0..<fieldCount).filter { $0 != index(mapping.text) && $0 != pair }
            .min { distinct[$0].count < distinct[$1].count }!
        let text = index(mapping.text) ?? (0..<fieldCount).filter { $0 != label && $0 != pair }
            .max { length[$0] < length[$1] }!
        return ResolvedColumns(text: text, pair: pair, label: label, headerNames: nil)
    }

    // MARK: JSON Lines

    /// One JSON value of a line's object (nested values are kept only as "other").
    enum JSONScalar: Decodable {
        case string(String), bool(Bool), int(Int), double(Double), null, other

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let i = try? c.decode(Int.self) { self = .int(i) }
            else if let d = try? c.decode(Double.self) { self = .double(d) }
            else { self = .other }
        }
    }

    /// Rows of a JSON Lines file: one object per line; keys from `options.columns` or the usual names.
    /// `keys` is set to the keys read ("text key 'sentence' · label key 'label'").
    static func readJSONLines(_ file: TextFile, options: LoadOptions, log: inout ProblemLog, keys used: inout String?) throws(DataError) -> [RawRow] {
        let scanned = try scanRows(file, delimiter: wholeLine, quote: nil, maxRowBytes: options.maxRowBytes)
        func key(_ ref: ColumnRef?, role: String) throws(DataError) -> String? {
            switch ref {
            case .name(let n): return n
            case .index: throw DataError(file: file.name, "JSON Lines columns are keys: give the \(role) as a name, not an index")
            case nil: return nil
            }
        }
        var textKey = try key(options.columns.text, role: "text")
        var pairKey = try key(options.columns.pair, role: "pair")
        var labelKey = try key(options.columns.label, role: "label")
        var keysResolved = false
        let decoder = JSONDecoder()
        var rows: [RawRow] = []
        rows.reserveCapacity(scanned.count)
        for row in scanned {
            guard case .record(let r) = row else {
                if case .bad(let line, let problem) = row { try log.report(DataError(file: file.name, line: line, problem)) }
                continue
            }
            let range = r.fields[0]
            let object: [String: JSONScalar]
            do {
                _ = try file.decode(range, line: r.line)  // encoding check with a precise message
                object = try decoder.decode([String: JSONScalar].self, from: Data(file.bytes[range]))
            } catch let error as DataError {
                try log.report(error); continue
            } catch {
                try log.report(DataError(file: file.name, line: r.line, "not a JSON object (each line must be one {…} object)"))
                continue
            }
            if !keysResolved {
                let keys = object.keys.sorted()
                func pick(_ aliases: [String]) -> String? {
                    for a in aliases { if let k = keys.first(where: { $0.lowercased() == a }) { return k } }
                    return nil
                }
                textKey = textKey ?? pick(textNames)
                labelKey = labelKey ?? pick(labelNames)
                if options.columns.pair == nil { pairKey = pick(pairNames).flatMap { $0 == textKey || $0 == labelKey ? nil : $0 } }
                guard textKey != nil, labelKey != nil else {
                    throw DataError(file: file.name, line: r.line, "cannot tell the \(textKey == nil ? "text" : "label") key; the first object has keys: \(keys.joined(separator: ", "))")
                }
                keysResolved = true
                used = (["text key '\(textKey!)'"] + (pairKey.map { ["second text key '\($0)'"] } ?? []) + ["label key '\(labelKey!)'"])
                    .joined(separator: " · ")
            }
            func string(_ key: String, role: String) throws(DataError) -> String {
                switch object[key] {
                case .string(let s): return s
                case .int(let i): return String(i)
                case .bool(let b): return String(b)
                case .double(let d) where role == "label": return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
                case nil, .null: return ""
                default: throw DataError(file: file.name, line: r.line, "the \(role) '\(key)' is not a string\(role == "label" ? ", integer or boolean" : "")")
                }
            }
            do throws(DataError) {
                guard object[textKey!] != nil else { throw DataError(file: file.name, line: r.line, "missing key '\(textKey!)' (text)") }
                guard object[labelKey!] != nil else { throw DataError(file: file.name, line: r.line, "label is missing (no key '\(labelKey!)')") }
                let text = try string(textKey!, role: "text")
                let pair = try pairKey.map { k throws(DataError) in try string(k, role: "second text") }
                let label = try string(labelKey!, role: "label")
                rows.append(RawRow(line: r.line, text: text, pair: pair, label: label))
            } catch {
                try log.report(error)
            }
        }
        return rows
    }
}
