import Foundation
import XCTest
@testable import DeniData

/// Every kind of bad input gives an error naming the file, the line and the problem; `skipBadRows` skips
/// and reports row-level problems instead.
final class BadInputTests: XCTestCase {
    let good = "text,label\nfirst text,a\nsecond text,b\n"

    func testWrongNumberOfFields() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("f.csv", good + "too,many,fields\n")
        assertDataError(try loadUser(path), file: "f.csv", line: 4, problem: "expected 2 fields (as in the header), found 3")
    }

    func testMissingLabelAndEmptyText() throws {
        let dir = try TemporaryFolder()
        assertDataError(try loadUser(try dir.write("m.csv", good + "third text,\n")), file: "m.csv", line: 4, problem: "label is missing")
        assertDataError(try loadUser(try dir.write("e.csv", good + "  ,a\n")), file: "e.csv", line: 4, problem: "text is empty")
    }

    func testUndecodableBytes() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("u.csv", bytes: Array(good.utf8) + Array("caf".utf8) + [0xE9] + Array(",a\n".utf8))
        assertDataError(try loadUser(path), file: "u.csv", line: 4, problem: "byte 0xE9")
    }

    func testBinaryEmptyAndMissingFiles() throws {
        let dir = try TemporaryFolder()
        let binary = try dir.write("b.csv", bytes: Array("text,label\nab".utf8) + [0, 1, 2, 0xFF])
        assertDataError(try loadUser(binary), file: "b.csv", line: 2, problem: "binary file")
        assertDataError(try loadUser(try dir.write("e.csv", "")), file: "e.csv", line: nil, problem: "file is empty")
        assertDataError(try loadUser(try dir.write("w.csv", bytes: [0xEF, 0xBB, 0xBF, 0x0A, 0x20])), file: "w.csv", line: nil, problem: "file is empty")
        assertDataError(try loadUser(dir.url.appendingPathComponent("nope.csv").path), file: "nope.csv", line: nil, problem: "file not found")
        assertDataError(try loadUser(try dir.write("x.txt", good)), file: "x.txt", line: nil, problem: "cannot tell the format")
    }

    /// UTF-16 is named as such (today's main called it a binary file).
    func testUTF16IsNamedNotCalledBinary() throws {
        let dir = try TemporaryFolder()
        let withMark = try dir.write("u16.csv", bytes: [0xFF, 0xFE] + Array(good.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        assertDataError(try loadUser(withMark), file: "u16.csv", line: nil, problem: "UTF-16 text")
        let bigEndian = try dir.write("be.csv", bytes: Array(good.utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
        assertDataError(try loadUser(bigEndian), file: "be.csv", line: nil, problem: "save the file as UTF-8")
    }

    func testOldMacLineEndingsAreNamed() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("mac.csv", good.replacingOccurrences(of: "\n", with: "\r"))
        assertDataError(try loadUser(path), file: "mac.csv", line: nil, problem: "old Mac line endings")
        XCTAssertNoThrow(try loadUser(try dir.write("crlf.csv", good.replacingOccurrences(of: "\n", with: "\r\n"))))
    }

    func testOneClass() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("one.csv", "text,label\nfirst,a\nsecond,a\n")
        assertDataError(try loadUser(path), file: "one.csv", line: nil, problem: "only one class ('a')")
    }

    func testUnclosedQuoteNamesTheLineItOpensOn() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("q.csv", good + "\"never closed,a\nmore,b\n")
        assertDataError(try loadUser(path), file: "q.csv", line: 4, problem: "never closed")
        let after = try dir.write("t.csv", good + "\"quoted\" junk,a\n")
        assertDataError(try loadUser(after), file: "t.csv", line: 4, problem: "after the closing quote")
    }

    func testMegabyteLine() throws {
        let dir = try TemporaryFolder()
        let huge = String(repeating: "x", count: 3_000_000)
        let path = try dir.write("h.csv", good + huge + ",a\nlast text,b\n")
        assertDataError(try loadUser(path), file: "h.csv", line: 4, problem: "3000003 bytes long")
        let skipped = try loadUser(path) { $0.skipBadRows = true }
        XCTAssertEqual(skipped.examples.count, 3)
        XCTAssertEqual(skipped.skipped.count, 1)
    }

    func testSkipBadRowsReportsCountAndFirstLines() throws {
        let dir = try TemporaryFolder()
        var text = good
        for i in 0..<8 { text += i % 2 == 0 ? "bad,row,\(i)\n" : ",a\n" }
        text += "ok text,b\n"
        let path = try dir.write("s.csv", text)
        assertDataError(try loadUser(path), file: "s.csv", line: 4, problem: "found 3")
        let d = try loadUser(path) { $0.skipBadRows = true }
        XCTAssertEqual(d.examples.count, 3)
        XCTAssertEqual(d.skipped.count, 8)
        XCTAssertEqual(d.skipped.first.compactMap(\.line), [4, 5, 6, 7, 8])
        XCTAssertTrue(d.skipped.summary.contains("skipped 8 bad rows"), d.skipped.summary)
        XCTAssertTrue(d.skipped.summary.contains("s.csv:4"), d.skipped.summary)
    }

    func testNoSkippingOfFileLevelProblems() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("one.csv", "text,label\nfirst,a\nbad,row,x\n")
        assertDataError(try loadUser(path) { $0.skipBadRows = true }, file: "one.csv", line: nil, problem: "only one class")
    }

    func testUnknownRegisteredKeyOrMissingFile() {
        assertDataError(try loadUser("tre"), file: "tre", line: nil, problem: "neither a registered dataset")
    }

    /// A named pipe given as the data file is refused by what it is, at once (reading it would wait forever).
    func testANamedPipeIsRefusedNotWaitedOn() throws {
        let dir = try TemporaryFolder()
        let path = dir.url.appendingPathComponent("stream.csv").path
        XCTAssertEqual(mkfifo(path, 0o644), 0)
        XCTAssertThrowsError(try loadUser(path)) {
            XCTAssertEqual("\($0)", "\(path): cannot be read (a named pipe (FIFO), not a regular file)")
        }
    }

}
