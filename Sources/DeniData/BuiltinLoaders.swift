import Foundation

/// Readers for the files of each registered dataset, exactly as SOURCE.md describes them.
enum BuiltinLoaders {
    static func load(_ info: DatasetInfo, dataDirectory: URL, options: LoadOptions) throws(DataError) -> Dataset {
        var log = ProblemLog(skipBadRows: options.skipBadRows)
        func url(_ file: DatasetFile) -> URL { dataDirectory.appendingPathComponent(file.path) }
        func part(_ file: DatasetFile, _ rows: [RawRow]) -> RawPart {
            RawPart(name: file.split, role: file.role, file: url(file).path, rows: rows)
        }
        let tab: UInt8 = 0x09
        var parts: [RawPart] = []
        var labels = LabelTable(classNames: info.classNames)
        switch info.key {
        case "sst2":
            labels = LabelTable(classNames: info.classNames, raw: ["0", "1"])
            for f in info.files.prefix(2) {
                parts.append(part(f, try columns(url(f), tab, header: true, text: 0, label: 1, options, &log)))
            }
            parts.append(part(info.files[2], try prefixedLines(url(info.files[2]), .utf8, options, &log) { $0 }))
        case "cola":
            labels = LabelTable(classNames: info.classNames, raw: ["0", "1"])
            for f in info.files {
                parts.append(part(f, try columns(url(f), tab, header: false, text: 3, label: 1, options, &log)))
            }
        case "mrpc":
            labels = LabelTable(classNames: info.classNames, raw: ["0", "1"])
            for f in info.files {
                parts.append(part(f, try columns(url(f), tab, header: true, text: 3, pair: 4, label: 0, options, &log)))
            }
        case "trec":
            for (f, encoding) in zip(info.files, [TextEncoding.latin1, .utf8]) {
                // "DESC:manner How did …": the coarse class is the part before the colon.
                parts.append(part(f, try prefixedLines(url(f), encoding, options, &log) { label in
                    label.split(separator: ":", maxSplits: 1).first.map(String.init) ?? label
                }))
            }
        case "ag_news":
            labels = LabelTable(classNames: info.classNames, raw: ["1", "2", "3", "4"])
            let train = try columns(url(info.files[0]), 0x2C, quote: 0x22, header: true, text: 1, label: 0, options, &log)
            let test = try columns(url(info.files[1]), 0x2C, quote: 0x22, header: false, text: 2, label: 0, options, &log)
            parts = [part(info.files[0], train.map(agNewsText)), part(info.files[1], test.map(agNewsText))]
        case "snips":
            for i in stride(from: 0, to: info.files.count, by: 2) {
                parts.append(part(info.files[i], try alignedLines(text: url(info.files[i]), labels: url(info.files[i + 1]), options, &log)))
            }
        case "dbpedia":
            labels = LabelTable(classNames: info.classNames, raw: (1...14).map(String.init))
            for f in info.files {
                parts.append(part(f, try columns(url(f), tab, header: true, text: 0, label: 1, options, &log)))
            }
        case "boolq":
            var o = options
            o.columns = ColumnMapping(text: .name("question"), pair: .name("passage"), label: .name("answer"))
            let f = info.files[0]
            var keys: String?   // the registry's keys are fixed above
            parts.append(part(f, try UserDataLoader.readJSONLines(TextFile(url(f), encoding: .utf8), options: o, log: &log, keys: &keys)))
        default:
            preconditionFailure("no loader for registered dataset \(info.key)")
        }
        return try assembleDataset(name: info.key, parts: parts, labels: labels, maxLength: info.maxLength,
                                   defaultPairMode: info.defaultPairMode, keepsOfficialSplit: false, log: &log)
    }

    /// AG News writes a line break inside a text as a backslash.
    static func agNewsText(_ row: RawRow) -> RawRow {
        RawRow(line: row.line, text: row.text.replacingOccurrences(of: "\\", with: " "), pair: row.pair, label: row.label)
    }

    /// Rows of a delimited file with fixed columns (field count checked against the first row).
    static func columns(_ url: URL, _ delimiter: UInt8, quote: UInt8? = nil, header: Bool, text: Int, pair: Int? = nil,
                        label: Int, _ options: LoadOptions, _ log: inout ProblemLog) throws(DataError) -> [RawRow] {
        var o = options
        o.header = header ? .present : .absent
        o.columns = ColumnMapping(text: .index(text), pair: pair.map { .index($0) }, label: .index(label))
        var resolved: UserDataLoader.ResolvedColumns? = nil
        return try UserDataLoader.readDelimited(TextFile(url, encoding: .utf8), delimiter: delimiter, quote: quote,
                                                options: o, previous: &resolved, log: &log)
    }

    /// Rows of a file whose lines read "LABEL text": the label is everything before the first space,
    /// passed through `labelOf`.
    static func prefixedLines(_ url: URL, _ encoding: TextEncoding, _ options: LoadOptions, _ log: inout ProblemLog,
                              labelOf: (String) -> String) throws(DataError) -> [RawRow] {
        let file = try TextFile(url, encoding: encoding)
        var rows: [RawRow] = []
        for line in try lines(file, options, &log) {
            guard let text = line.text else { continue }
            guard let space = text.firstIndex(of: " ") else {
                try log.report(DataError(file: file.name, line: line.number, "expected a label, a space and the text")); continue
            }
            rows.append(RawRow(line: line.number, text: String(text[text.index(after: space)...]), pair: nil,
                               label: labelOf(String(text[..<space]))))
        }
        return rows
    }

    /// Rows from two line-aligned files: line i of `text` goes with line i of `labels`.
    static func alignedLines(text: URL, labels: URL, _ options: LoadOptions, _ log: inout ProblemLog) throws(DataError) -> [RawRow] {
        let textFile = try TextFile(text, encoding: .utf8), labelFile = try TextFile(labels, encoding: .utf8)
        let texts = try lines(textFile, options, &log, keepBlank: true)
        let names = try lines(labelFile, options, &log, keepBlank: true)
        guard texts.count == names.count else {
            throw DataError(file: textFile.name, "has \(texts.count) lines but \(labelFile.name) has \(names.count); line i of one goes with line i of the other")
        }
        return zip(texts, names).compactMap { t, n in
            guard let text = t.text, let label = n.text else { return nil }  // already reported
            return RawRow(line: t.number, text: text, pair: nil, label: label)
        }
    }

    /// The decoded lines of `file`, each with its line number; undecodable or over-long lines are reported
    /// (text nil). `keepBlank` keeps inner blank lines as empty texts (line-aligned files must stay aligned).
    static func lines(_ file: TextFile, _ options: LoadOptions, _ log: inout ProblemLog,
                      keepBlank: Bool = false) throws(DataError) -> [(number: Int, text: String?)] {
        var out: [(number: Int, text: String?)] = []
        var expectedLine = 1
        for row in try scanRows(file, delimiter: wholeLine, quote: nil, maxRowBytes: options.maxRowBytes) {
            switch row {
            case .bad(let line, let problem):
                try log.report(DataError(file: file.name, line: line, problem))
                out.append((line, nil))
                expectedLine = line + 1
            case .record(let r):
                if keepBlank { while expectedLine < r.line { out.append((expectedLine, "")); expectedLine += 1 } }
                do throws(DataError) {
                    out.append((r.line, try file.decode(r.fields[0], line: r.line, what: "line")))
                } catch {
                    try log.report(error)
                    out.append((r.line, nil))
                }
                expectedLine = r.line + 1
            }
        }
        return out
    }
}
