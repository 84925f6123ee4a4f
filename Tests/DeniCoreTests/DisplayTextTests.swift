import XCTest
import DeniCore

/// Names from files are printed with their control characters escaped (a session named with an escape sequence
/// used to clear the terminal of whoever ran `deni show` or `deni sessions`).
final class DisplayTextTests: XCTestCase {
    func testControlCharactersAreEscapedAndOtherTextIsKept() {
        XCTAssertEqual("\u{1B}[2Jrun\u{07}".escapingControlCharacters, "\\u{1B}[2Jrun\\u{7}")
        XCTAssertEqual("tab\there\nDEL\u{7F} C1\u{9B}".escapingControlCharacters, "tab\\u{9}here\\u{A}DEL\\u{7F} C1\\u{9B}")
        XCTAssertEqual("naïve 你好 – ok".escapingControlCharacters, "naïve 你好 – ok")
    }

    func testNumbersFromFilesAreShownAsWritten() {
        XCTAssertEqual([384, -1, 8.5, 1e-60, 1e300, 0].map(\.messageText), ["384", "-1", "8.5", "1e-60", "1e+300", "0"])
    }
}
