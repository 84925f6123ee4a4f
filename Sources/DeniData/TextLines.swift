import Foundation

/// Texts to classify from a plain text file, one per line (`deni predict --file`): a tab separates a sentence
/// pair's second text (`TEXT` or `TEXT<TAB>SECOND TEXT`); `\n` and `\r\n` line ends; blank lines at the end are
/// ignored. Errors (`DataError`, `file:line: problem`): a missing, empty or binary file, bytes not valid in the
/// encoding, a blank line or an empty second text, more than one tab.
public enum TextLines {
    public static func read(_ url: URL, encoding: TextEncoding = .utf8) throws(DataError) -> [(text: String, pair: String?)] {
        let file = try TextFile(url, encoding: encoding)
        var lines: [Range<Int>] = []
        var start = file.start
        for i in file.start..<file.bytes.count where file.bytes[i] == 0x0A {
            lines.append(start..<(i > start && file.bytes[i - 1] == 0x0D ? i - 1 : i))
            start = i + 1
        }
        if start < file.bytes.count { lines.append(start..<file.bytes.count) }
        let isBlank = { (r: Range<Int>) in file.bytes[r].allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }
        while let last = lines.last, isBlank(last) { lines.removeLast() }
        var texts: [(text: String, pair: String?)] = []
        for (index, range) in lines.enumerated() {
            let line = index + 1
            if isBlank(range) { throw DataError(file: file.name, line: line, "empty text (a blank line): every line must hold a text") }
            let parts = try file.decode(range, line: line, what: "line").split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count <= 2 else {
                throw DataError(file: file.name, line: line, "\(parts.count - 1) tabs; expected TEXT or TEXT<TAB>SECOND TEXT")
            }
            let text = String(parts[0]), pair = parts.count == 2 ? String(parts[1]) : nil
            if text.allSatisfy(\.isWhitespace) { throw DataError(file: file.name, line: line, "empty text before the tab") }
            if let pair, pair.allSatisfy(\.isWhitespace) { throw DataError(file: file.name, line: line, "empty second text after the tab") }
            texts.append((text, pair))
        }
        return texts
    }
}
