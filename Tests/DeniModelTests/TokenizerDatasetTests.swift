import DeniCore
import Foundation
import XCTest
@testable import DeniModel

/// Whole dataset files against the reference ids in Fixtures/tokenizer_lines_*.txt.
///
/// The fixtures hold no dataset text: each line is `LINE<TAB>sha256<TAB>ids`. The test reads the data file,
/// checks that line's sha256 (so a different copy of the dataset is reported, not silently compared),
/// takes the text as the header's `#! text` rule says, and compares ids exactly. Skipped without data/.
final class TokenizerDatasetTests: XCTestCase {
    func testDatasetFilesMatchTheReferenceIDsExactly() throws {
        let tokenizer = try TokenizerTestSupport.tokenizer()
        let fixtures = try TokenizerTestSupport.fixtures(prefix: "tokenizer_lines_")
        XCTAssertGreaterThanOrEqual(fixtures.count, 5)
        var compared = 0
        for fixture in fixtures {
            compared += try check(fixture, tokenizer)
        }
        XCTAssertGreaterThan(compared, 15_000)
    }

    /// Compares one fixture file; returns the number of lines compared.
    private func check(_ fixture: URL, _ tokenizer: BertTokenizer) throws -> Int {
        let name = fixture.lastPathComponent
        let text = try String(contentsOf: fixture, encoding: .utf8)
        var header: [String: String] = [:]
        var entries: [(line: Int, sha: String, ids: [Int32])] = []
        for (index, row) in text.split(separator: "\n").enumerated() {
            if row.hasPrefix("#! ") {
                let parts = row.dropFirst(3).split(separator: " ", maxSplits: 1)
                if parts.count == 2 { header[String(parts[0])] = String(parts[1]) }
            } else if !row.hasPrefix("#") {
                let fields = row.split(separator: "\t", omittingEmptySubsequences: false)
                guard fields.count == 3, let line = Int(fields[0]) else {
                    XCTFail("\(name) line \(index + 1): malformed")
                    return 0
                }
                let ids = fields[2].split(separator: " ").compactMap { Int32($0) }
                entries.append((line, String(fields[1]), ids))
            }
        }
        guard let file = header["file"], let encodingName = header["encoding"], let rule = header["text"] else {
            XCTFail("\(name): header lacks #! file / encoding / text")
            return 0
        }
        let dataURL = ProjectPaths.data().appendingPathComponent(file)
        guard let data = FileManager.default.contents(atPath: dataURL.path) else {
            throw XCTSkip("data file \(dataURL.path) is missing (run ./scripts/setup.sh)")
        }
        let decoded = encodingName == "latin-1" ? String(data: data, encoding: .isoLatin1) : String(data: data, encoding: .utf8)
        var lines = try XCTUnwrap(decoded, "\(dataURL.path) is not \(encodingName)")
            .split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        XCTAssertEqual(entries.count, lines.count - (Int(header["skip"] ?? "0") ?? 0), "\(name): line count")

        var failures: [String] = []
        for entry in entries {
            guard entry.line >= 1, entry.line <= lines.count else {
                failures.append("line \(entry.line) is past the end of \(file)")
                continue
            }
            let line = lines[entry.line - 1]
            guard SHA256.hex(of: line.utf8) == entry.sha else {
                failures.append("line \(entry.line): text differs from the one the fixture was made from (sha256)")
                continue
            }
            let (first, second) = try Self.extract(line, rule: rule, file: file)
            let ids = tokenizer.encode(first, pair: second).ids
            if ids != entry.ids {
                failures.append("line \(entry.line): want \(entry.ids)\n   got \(ids)")
            }
        }
        XCTAssert(failures.isEmpty, "\(name): \(failures.count) of \(entries.count) lines differ:\n" + failures.prefix(10).joined(separator: "\n"))
        return entries.count
    }

    /// The text (or pair) of a line, by the fixture's rule: `after-first-space`, `column N` or `columns N M`.
    private static func extract(_ line: Substring, rule: String, file: String) throws -> (String, String?) {
        if rule == "after-first-space" {
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            return (parts.count > 1 ? String(parts[1]) : "", nil)
        }
        let words = rule.split(separator: " ")
        let columns = words.dropFirst().compactMap { Int($0) }
        guard words.first == "column" || words.first == "columns", !columns.isEmpty else {
            throw XCTSkip("unknown text rule \"\(rule)\" for \(file)")
        }
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard let last = columns.max(), last < fields.count else { return ("<missing column>", nil) }
        return (String(fields[columns[0]]), columns.count > 1 ? String(fields[columns[1]]) : nil)
    }
}
