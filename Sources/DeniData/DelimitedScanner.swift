import Foundation

/// Splitting a text file's bytes into rows and fields (CSV, TSV, or plain lines).
///
/// Rules (RFC 4180 style): rows end at LF or CRLF; a field that starts with the quote character runs to the
/// matching closing quote, may hold delimiters and newlines, and writes a quote as two quotes; a quote anywhere
/// else is an ordinary character. With `quote == nil` (the GLUE TSV files, whose text holds bare quotes) no
/// field is quoted. Blank lines are not rows. Line numbers are 1-based and name the line a row starts on.

/// One row: the byte ranges of its fields (quotes excluded) and the line it starts on.
struct RawRecord {
    let line: Int
    var fields: [Range<Int>]
    /// Per field: true when it was quoted and holds doubled quotes to undo.
    var escaped: [Bool]
}

/// A row, or a row-level problem (the scan goes on after it, so `skipBadRows` can skip it).
enum ScannedRow {
    case record(RawRecord)
    case bad(line: Int, problem: String)
}

/// Delimiter value that never matches: NUL is refused by `TextFile`, so each line is one field.
let wholeLine: UInt8 = 0

/// Scans `file` into rows. Row-level problems (text after a closing quote, a row longer than `maxRowBytes`)
/// come back as `.bad`; a quoted field that is never closed throws, naming the line it opens on.
/// Complexity: one pass over the bytes.
func scanRows(_ file: TextFile, delimiter: UInt8, quote: UInt8?, maxRowBytes: Int) throws(DataError) -> [ScannedRow] {
    let newline: UInt8 = 0x0A, cr: UInt8 = 0x0D
    let q = quote ?? 0
    let quoting = quote != nil
    var rows: [ScannedRow] = []
    var unclosed: (line: Int, field: Int)? = nil
    file.bytes.withUnsafeBufferPointer { b in
        let n = b.count
        var i = file.start
        var line = 1
        while i < n {
            let rowStart = i, rowLine = line
            var fields: [Range<Int>] = []
            var escaped: [Bool] = []
            var problem: String? = nil
            fieldLoop: while true {
                if quoting && i < n && b[i] == q {
                    let openLine = line
                    i += 1
                    let fieldStart = i
                    var hasEscapes = false
                    while true {
                        if i >= n { unclosed = (openLine, fields.count + 1); return }
                        let c = b[i]
                        if c == q {
                            if i + 1 < n && b[i + 1] == q { hasEscapes = true; i += 2; continue }
                            break
                        }
                        if c == newline { line += 1 }
                        i += 1
                    }
                    fields.append(fieldStart..<i); escaped.append(hasEscapes)
                    i += 1  // the closing quote
                    if i >= n { break fieldLoop }
                    let c = b[i]
                    if c == delimiter { i += 1; continue fieldLoop }
                    if c == newline { i += 1; line += 1; break fieldLoop }
                    if c == cr && i + 1 < n && b[i + 1] == newline { i += 2; line += 1; break fieldLoop }
                    problem = "unexpected text after the closing quote of field \(fields.count) (a quote inside a quoted field must be doubled)"
                    while i < n && b[i] != newline { i += 1 }
                    if i < n { i += 1; line += 1 }
                    break fieldLoop
                } else {
                    let fieldStart = i
                    while i < n && b[i] != delimiter && b[i] != newline { i += 1 }
                    if i < n && b[i] == delimiter {
                        fields.append(fieldStart..<i); escaped.append(false)
                        i += 1
                        continue fieldLoop
                    }
                    var fieldEnd = i
                    if fieldEnd > fieldStart && b[fieldEnd - 1] == cr { fieldEnd -= 1 }
                    fields.append(fieldStart..<fieldEnd); escaped.append(false)
                    if i < n { i += 1; line += 1 }
                    break fieldLoop
                }
            }
            if let problem {
                rows.append(.bad(line: rowLine, problem: problem))
            } else if i - rowStart > maxRowBytes {
                rows.append(.bad(line: rowLine, problem: "row is \(i - rowStart) bytes long, over the limit of \(maxRowBytes) bytes (LoadOptions.maxRowBytes); is this a text data file?"))
            } else if fields.count == 1 && !escaped[0] && fields[0].allSatisfy({ b[$0] == 0x20 || b[$0] == 0x09 }) {
                continue  // blank line
            } else {
                rows.append(.record(RawRecord(line: rowLine, fields: fields, escaped: escaped)))
            }
        }
    }
    if let unclosed {
        throw DataError(file: file.name, line: unclosed.line,
                        "quoted field \(unclosed.field) opened on this line is never closed (a missing closing quote; rows after it cannot be read)")
    }
    return rows
}

extension TextFile {
    /// Field `index` of `record` decoded, doubled quotes undone; `what` names it in an error.
    func field(_ record: RawRecord, _ index: Int, what: String) throws(DataError) -> String {
        let text = try decode(record.fields[index], line: record.line, what: what)
        return record.escaped[index] ? text.replacingOccurrences(of: "\"\"", with: "\"") : text
    }
}
