import DeniCore
import Foundation

/// Text encodings the readers accept. UTF-8 is read with or without a byte-order mark; Latin-1 (ISO-8859-1)
/// only when asked for, since every byte sequence is valid Latin-1 and a wrong guess would pass silently.
public enum TextEncoding: String, Sendable, Codable, CaseIterable {
    case utf8, latin1
}

/// The bytes of one data file, checked to be a non-empty text file, with its byte-order mark skipped.
///
/// Contract: `init` fails with a `DataError` naming the file for a missing or unreadable path, a folder, an
/// empty file (no bytes other than a BOM and white space), a UTF-16 file (named as such) and a binary file (any
/// NUL byte; text formats never hold one). `decode` fails for bytes that are not valid in the chosen encoding.
struct TextFile {
    /// The path as given, used in every message.
    let name: String
    let bytes: [UInt8]
    /// Offset of the first byte after the UTF-8 byte-order mark (0 without one).
    let start: Int
    let encoding: TextEncoding

    init(_ url: URL, encoding: TextEncoding) throws(DataError) {
        name = url.path
        self.encoding = encoding
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw DataError(file: name, "file not found")
        }
        if isFolder.boolValue { throw DataError(file: name, "is a folder, expected a data file") }
        let data: Data
        do { data = try FileProblem.contents(of: url) } catch {
            throw DataError(file: name, "cannot be read (\(FileProblem.describe(error)))")
        }
        bytes = [UInt8](data)
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        start = encoding == .utf8 && bytes.starts(with: bom) ? 3 : 0
        if bytes[start...].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            throw DataError(file: name, "file is empty (no rows)")
        }
        // UTF-16 (with a byte-order mark, or ASCII text with every other byte 0) is text in another encoding, not binary.
        let head = bytes.prefix(64)
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF])
            || (head.count >= 4 && (stride(from: 0, to: head.count, by: 2).allSatisfy { head[$0] == 0 }
                                     || stride(from: 1, to: head.count, by: 2).allSatisfy { head[$0] == 0 })) {
            throw DataError(file: name, "UTF-16 text; the readers take UTF-8 (or Latin-1): save the file as UTF-8")
        }
        // Old Mac line endings (CR only) would read as one long row.
        if !bytes.contains(0x0A), bytes.filter({ $0 == 0x0D }).count > 1 {
            throw DataError(file: name, "lines end in a carriage return only (old Mac line endings); save the file with LF or CRLF line endings")
        }
        if let nul = bytes.firstIndex(of: 0) {
            let line = 1 + bytes[..<nul].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw DataError(file: name, line: line,
                            "binary file (NUL byte at byte offset \(nul)); expected text: CSV, TSV or JSON Lines")
        }
    }

    /// The text of `range`, decoded in the file's encoding; `line` and `what` only locate the error message.
    func decode(_ range: Range<Int>, line: Int, what: String = "row") throws(DataError) -> String {
        let slice = bytes[range]
        switch encoding {
        case .latin1:
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: slice.lazy.map { Unicode.Scalar($0) })
            return String(scalars)
        case .utf8:
            if let s = String(validating: slice, as: UTF8.self) { return s }
            let offset = Self.firstInvalidUTF8(slice) ?? 0
            let byte = slice[slice.startIndex + offset]
            throw DataError(file: name, line: line,
                            "\(what) is not valid UTF-8 (byte 0x\(String(byte, radix: 16, uppercase: true)) at byte \(offset + 1) of the \(what)); if the file is Latin-1 (ISO-8859-1), load it with encoding latin1")
        }
    }

    /// Offset of the first byte that starts an invalid UTF-8 sequence, or nil when all of `bytes` is valid.
    static func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> Int? {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}
