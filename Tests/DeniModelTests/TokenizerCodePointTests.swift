import Foundation
import XCTest
@testable import DeniModel

/// Every Unicode scalar through the normaliser and pre-tokeniser, against the reference's behaviour
/// recorded in Fixtures/tokenizer_codepoints.txt (words of "a" + c + "a").
final class TokenizerCodePointTests: XCTestCase {
    func testEveryScalarIsNormalisedAndSplitAsTheReferenceDoes() throws {
        let text = try String(contentsOf: TokenizerTestSupport.fixture("tokenizer_codepoints", "txt"), encoding: .utf8)
        let normalizer = BertNormalizer(lowercase: true, stripAccents: true)
        var failures: [String] = []
        var checked = 0
        var covered: UInt32 = 0
        for (index, line) in text.split(separator: "\n").enumerated() where !line.hasPrefix("#") {
            let fields = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count >= 2, let first = UInt32(fields[0], radix: 16), let last = UInt32(fields[1], radix: 16) else {
                return XCTFail("tokenizer_codepoints.txt line \(index + 1): malformed \"\(line)\"")
            }
            // Ranges are contiguous except for the surrogates, which are not scalars.
            XCTAssertEqual(first, covered == 0xD800 ? 0xE000 : covered, "ranges must be contiguous (line \(index + 1))")
            covered = last + 1
            let expected = fields.count > 2 ? String(fields[2]) : ""
            for value in first ... last {
                guard let scalar = Unicode.Scalar(value) else { continue }   // surrogates
                var words: [String] = []
                normalizer.forEachWord(in: Substring("a" + String(scalar) + "a")) { word in
                    words.append(Self.pattern(String(decoding: word, as: UTF8.self), standingFor: scalar))
                }
                let got = words.joined(separator: " ")
                checked += 1
                if got != expected {
                    failures.append("U+\(String(value, radix: 16, uppercase: true)): want \"\(expected)\" got \"\(got)\"")
                }
            }
        }
        XCTAssertEqual(covered, 0x110000, "fixture must cover every scalar")
        XCTAssertEqual(checked, 0x110000 - 0x800)
        XCTAssert(failures.isEmpty, "\(failures.count) scalars differ:\n" + failures.prefix(40).joined(separator: "\n"))
    }

    /// The fixture's word format: scalars in uppercase hex joined by ".", `*` for `scalar` itself.
    private static func pattern(_ word: String, standingFor scalar: Unicode.Scalar) -> String {
        word.unicodeScalars.map { $0 == scalar ? "*" : String($0.value, radix: 16, uppercase: true) }.joined(separator: ".")
    }
}
