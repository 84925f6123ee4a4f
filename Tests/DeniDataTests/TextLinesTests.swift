import XCTest
@testable import DeniData

/// Texts to classify, one per line (`deni predict --file`).
final class TextLinesTests: XCTestCase {
    func testLinesPairsLineEndsAndTrailingBlankLines() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("texts.txt", "\u{FEFF}a good film\r\nis it?\tyes, it is\nnaïve café\n\n \n")
        let texts = try TextLines.read(URL(fileURLWithPath: path))
        XCTAssertEqual(texts.map(\.text), ["a good film", "is it?", "naïve café"])
        XCTAssertEqual(texts.map(\.pair), [nil, "yes, it is", nil])
    }

    func testBadLinesAreRefusedWithTheirLine() throws {
        let folder = try TemporaryFolder()
        let url = { (name: String, text: String) in URL(fileURLWithPath: try folder.write(name, text)) }
        assertDataError(try TextLines.read(url("blank.txt", "one\n\nthree\n")), file: "blank.txt", line: 2, problem: "empty text (a blank line)")
        assertDataError(try TextLines.read(url("tabs.txt", "one\ta\tb\n")), file: "tabs.txt", line: 1, problem: "2 tabs")
        assertDataError(try TextLines.read(url("pair.txt", "one\ttwo\nthree\t \n")), file: "pair.txt", line: 2, problem: "empty second text")
        assertDataError(try TextLines.read(url("lead.txt", "one\n\ttwo\n")), file: "lead.txt", line: 2, problem: "empty text before the tab")
        assertDataError(try TextLines.read(url("empty.txt", "\n \n")), file: "empty.txt", line: nil, problem: "file is empty")
        assertDataError(try TextLines.read(folder.url.appendingPathComponent("none.txt")), file: "none.txt", line: nil, problem: "file not found")
        assertDataError(try TextLines.read(URL(fileURLWithPath: try folder.write("bad.txt", bytes: [0x61, 0x0A, 0xFF, 0x0A]))),
                        file: "bad.txt", line: 2, problem: "not valid UTF-8")
    }
}
