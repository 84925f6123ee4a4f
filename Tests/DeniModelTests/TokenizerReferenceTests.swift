import DeniCore
import Foundation
import XCTest
@testable import DeniModel

/// The model's tokenizer against the reference fixtures made by scripts/reference/make_tokenizer_fixtures.py.
final class TokenizerReferenceTests: XCTestCase {
    private struct Case: Decodable {
        var text: String
        var pair: String?
        var max_length: Int?
        var tokens: [String]
        var ids: [Int32]
        var type_ids: [Int32]
    }

    private struct Fixture: Decodable { var cases: [Case] }

    func testEveryFixtureCaseMatchesTheReferenceExactly() throws {
        let tokenizer = try TokenizerTestSupport.tokenizer()
        let data = try Data(contentsOf: TokenizerTestSupport.fixture("tokenizer_cases", "json"))
        let cases = try JSONDecoder().decode(Fixture.self, from: data).cases
        XCTAssertGreaterThanOrEqual(cases.filter { $0.pair == nil }.count, 300, "fixture lost its single-text cases")
        XCTAssertGreaterThanOrEqual(cases.filter { $0.pair != nil && $0.max_length != nil }.count, 30,
                                    "fixture lost its truncated pairs")
        var failures: [String] = []
        for c in cases {
            let got = tokenizer.encode(c.text, pair: c.pair, maxLength: c.max_length)
            let want = Encoding(tokens: c.tokens, ids: c.ids, typeIDs: c.type_ids)
            if got != want {
                failures.append("""
                    text \"\(TokenizerTestSupport.escaped(c.text))\" pair \(c.pair.map { "\"\(TokenizerTestSupport.escaped($0))\"" } ?? "nil") \
                    max \(c.max_length.map(String.init) ?? "nil")
                      want \(want.tokens) \(want.ids) \(want.typeIDs)
                      got  \(got.tokens) \(got.ids) \(got.typeIDs)
                    """)
            }
        }
        XCTAssert(failures.isEmpty, "\(failures.count) of \(cases.count) cases differ:\n" + failures.prefix(25).joined(separator: "\n"))
    }

    func testTokenizeIsEncodeWithoutSpecialTokens() throws {
        let tokenizer = try TokenizerTestSupport.tokenizer()
        for text in ["Hello, World!", "naïve café", "", "[CLS] x", "unaffable 😀 你好"] {
            let encoded = tokenizer.encode(text)
            XCTAssertEqual(tokenizer.tokenize(text), Array(encoded.tokens.dropFirst().dropLast()), text)
            XCTAssertEqual(tokenizer.ids(of: text), Array(encoded.ids.dropFirst().dropLast()), text)
        }
    }

    func testSpecialTokenIDsAndVocabularySize() throws {
        let tokenizer = try TokenizerTestSupport.tokenizer()
        XCTAssertEqual([tokenizer.padID, tokenizer.unkID, tokenizer.clsID, tokenizer.sepID, tokenizer.maskID], [0, 100, 101, 102, 103])
        XCTAssertEqual(tokenizer.vocabSize, 30522)
        XCTAssertTrue(tokenizer.lowercase)
        XCTAssertTrue(tokenizer.stripAccents)
        XCTAssertEqual(tokenizer.token(forID: 7592), "hello")
        XCTAssertNil(tokenizer.token(forID: 30522))
        XCTAssertNil(tokenizer.token(forID: -1))
        XCTAssertEqual(tokenizer.id(forToken: "##ing"), 2075)
    }

    func testTruncationAtTheSmallestLengths() throws {
        let tokenizer = try TokenizerTestSupport.tokenizer()
        XCTAssertEqual(tokenizer.encode("hello world", maxLength: 2).tokens, ["[CLS]", "[SEP]"])
        XCTAssertEqual(tokenizer.encode("hello world", maxLength: 3).tokens, ["[CLS]", "hello", "[SEP]"])
        let pair = tokenizer.encode("hello world", pair: "foo bar", maxLength: 3)
        XCTAssertEqual(pair.tokens, ["[CLS]", "[SEP]", "[SEP]"])
        XCTAssertEqual(pair.typeIDs, [0, 0, 1])
        XCTAssertEqual(tokenizer.encode("hello world", pair: "foo bar", maxLength: 4).tokens, ["[CLS]", "[SEP]", "foo", "[SEP]"])
        // Below the number of special tokens the reference does not truncate at all.
        XCTAssertEqual(tokenizer.encode("hello world", maxLength: 1), tokenizer.encode("hello world"))
        XCTAssertEqual(tokenizer.encode("hello world", pair: "foo bar", maxLength: 2), tokenizer.encode("hello world", pair: "foo bar"))
    }

    func testConcurrentUseGivesTheSameResults() throws {
        let tokenizer = try TokenizerTestSupport.tokenizer()
        let texts = (0 ..< 64).map { "sentence \($0): Naïve café, 你好 😀 unaffable [SEP] x\($0 * 7919)" }
        let expected = texts.map { tokenizer.encode($0) }
        let results = UnsafeMutableBufferPointer<Encoding?>.allocate(capacity: texts.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let box = UncheckedSendable(results)
        DispatchQueue.concurrentPerform(iterations: texts.count) { i in box.value[i] = tokenizer.encode(texts[i]) }
        XCTAssertEqual(Array(results), expected)
    }
}
