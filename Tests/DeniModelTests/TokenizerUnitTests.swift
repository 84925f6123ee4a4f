import Foundation
import DeniCore
import XCTest
@testable import DeniModel

/// Loading errors, WordPiece rules and truncation on small hand-made vocabularies (no model needed).
final class TokenizerUnitTests: XCTestCase {
    private func small(_ tokens: [String], lowercase: Bool = true) throws -> BertTokenizer {
        try BertTokenizer(vocabURL: TokenizerTestSupport.vocabFile(tokens), lowercase: lowercase)
    }

    // MARK: loading errors

    func testMissingVocabularyFileIsRefusedNamingTheFile() {
        let url = URL(fileURLWithPath: "/nonexistent/deni/vocab.txt")
        XCTAssertThrowsError(try BertTokenizer(vocabURL: url)) { error in
            XCTAssertEqual(error as? TokenizerError, .unreadableFile(path: url.path, reason: "no such file"))
            XCTAssertTrue("\(error)".contains("/nonexistent/deni/vocab.txt"))
        }
        XCTAssertThrowsError(try BertTokenizer(modelFolder: URL(fileURLWithPath: "/nonexistent/deni"))) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/deni/vocab.txt"), "\(error)")
        }
    }

    func testVocabularyWithoutSpecialTokensIsRefusedNamingThem() throws {
        let url = try TokenizerTestSupport.temporaryFile("vocab.txt", Data("[PAD]\n[CLS]\nhello\n##s\n".utf8))
        XCTAssertThrowsError(try BertTokenizer(vocabURL: url)) { error in
            XCTAssertEqual(error as? TokenizerError, .missingSpecialTokens(path: url.path, missing: ["[UNK]", "[SEP]", "[MASK]"]))
            let message = "\(error)"
            XCTAssertTrue(message.contains(url.path) && message.contains("[UNK] [SEP] [MASK]"), message)
        }
    }

    func testEmptyAndBlankVocabularyFilesAreRefused() throws {
        for contents in ["", "\n", "\n\n\n"] {
            let url = try TokenizerTestSupport.temporaryFile("vocab.txt", Data(contents.utf8))
            XCTAssertThrowsError(try BertTokenizer(vocabURL: url)) { error in
                XCTAssertEqual(error as? TokenizerError, .emptyVocabulary(path: url.path))
            }
        }
    }

    func testNonUTF8VocabularyIsRefused() throws {
        let url = try TokenizerTestSupport.temporaryFile("vocab.txt", Data([0x5B, 0x50, 0x41, 0x44, 0x5D, 0x0A, 0xFF, 0xFE, 0x0A]))
        XCTAssertThrowsError(try BertTokenizer(vocabURL: url)) { error in
            XCTAssertEqual(error as? TokenizerError, .unreadableFile(path: url.path, reason: "not valid UTF-8 text"))
        }
    }

    func testFolderIsReadWithItsTokenizerConfig() throws {
        let vocab = try TokenizerTestSupport.vocabFile(["hello", "Hello", "world", "café", "cafe"])
        let folder = vocab.deletingLastPathComponent()
        let config = folder.appendingPathComponent("tokenizer_config.json")

        try Data(#"{"do_lower_case": false, "tokenizer_class": "BertTokenizer"}"#.utf8).write(to: config)
        let cased = try BertTokenizer(modelFolder: folder)
        XCTAssertFalse(cased.lowercase)
        XCTAssertFalse(cased.stripAccents)
        XCTAssertEqual(cased.tokenize("Hello hello café"), ["Hello", "hello", "café"])

        try Data(#"{"do_lower_case": false, "strip_accents": true}"#.utf8).write(to: config)
        XCTAssertEqual(try BertTokenizer(modelFolder: folder).tokenize("Hello café"), ["Hello", "cafe"])

        try Data(#"{"do_lower_case": true, "strip_accents": false}"#.utf8).write(to: config)
        XCTAssertEqual(try BertTokenizer(modelFolder: folder).tokenize("HELLO CAFÉ"), ["hello", "café"])

        try Data(#"{"do_lower_case": "yes"}"#.utf8).write(to: config)
        XCTAssertThrowsError(try BertTokenizer(modelFolder: folder)) { error in
            guard case let .invalidConfig(path, reason)? = error as? TokenizerError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, config.path)
            XCTAssertTrue(reason.contains("do_lower_case"), reason)
        }

        try Data("{not json".utf8).write(to: config)
        XCTAssertThrowsError(try BertTokenizer(modelFolder: folder)) { error in
            guard case .invalidConfig(config.path, _)? = error as? TokenizerError else { return XCTFail("\(error)") }
        }

        try FileManager.default.removeItem(at: config)
        XCTAssertTrue(try BertTokenizer(modelFolder: folder).lowercase, "no config means uncased")
    }

    /// A vocab.txt longer than the model's embedding table would produce ids with no embedding row: refused
    /// when the folder is read, naming both numbers.
    func testVocabularyLongerThanTheEmbeddingTableIsRefused() throws {
        let real = ProjectPaths.model().appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: real.path) else { throw XCTSkip("model not installed") }
        let vocab = try TokenizerTestSupport.vocabFile(["hello", "world", "café"])
        let folder = vocab.deletingLastPathComponent()
        let tokens = try BertTokenizer(vocabURL: vocab).vocabSize
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: real)) as? [String: Any])
        json["vocab_size"] = tokens
        try JSONSerialization.data(withJSONObject: json).write(to: folder.appendingPathComponent("config.json"))
        XCTAssertEqual(try BertTokenizer(modelFolder: folder).vocabSize, tokens, "exactly as many rows as tokens is fine")
        json["vocab_size"] = tokens - 1
        try JSONSerialization.data(withJSONObject: json).write(to: folder.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try BertTokenizer(modelFolder: folder)) { error in
            guard case let .invalidConfig(path, reason)? = error as? TokenizerError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, vocab.path)
            XCTAssertTrue(reason.contains("\(tokens) tokens but config.json's vocab_size is \(tokens - 1)"), reason)
        }
    }

    func testVocabularyLinesAreTakenVerbatimAndLaterDuplicatesWin() throws {
        let url = try TokenizerTestSupport.temporaryFile("vocab.txt", Data("[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\n[MASK]\r\nab\r\nab\r\n é\r\n".utf8))
        let tokenizer = try BertTokenizer(vocabURL: url)
        XCTAssertEqual(tokenizer.vocabSize, 8)
        XCTAssertEqual(tokenizer.ids(of: "ab"), [6])
        XCTAssertEqual(tokenizer.id(forToken: " é"), 7)
        XCTAssertNil(tokenizer.id(forToken: "é"))
    }

    func testVocabularyLookupIsByteExactNotCanonicallyEquivalent() throws {
        let tokenizer = try small(["\u{E9}", "e\u{301}"], lowercase: false)
        XCTAssertEqual(tokenizer.id(forToken: "\u{E9}"), 5)
        XCTAssertEqual(tokenizer.id(forToken: "e\u{301}"), 6)
    }

    // MARK: WordPiece

    func testGreedyLongestMatchWithContinuationPieces() throws {
        let tokenizer = try small(["un", "una", "##aff", "##able", "##a", "a", "##ff", "##f", "x"])
        XCTAssertEqual(tokenizer.tokenize("unaffable"), ["una", "##ff", "##able"])
        XCTAssertEqual(tokenizer.tokenize("unaff"), ["una", "##ff"])
        XCTAssertEqual(tokenizer.tokenize("una x"), ["una", "x"])
        XCTAssertEqual(tokenizer.tokenize("unaffz"), ["[UNK]"], "one unmatched position makes the whole word unknown")
        XCTAssertEqual(tokenizer.tokenize("xunaff"), ["[UNK]"], "##un is not in the vocabulary")
    }

    func testWordsOverOneHundredScalarsAreUnknown() throws {
        let tokenizer = try small(["a", "##a", "é", "##é"], lowercase: false)
        XCTAssertEqual(tokenizer.tokenize(String(repeating: "a", count: 100)).count, 100)
        XCTAssertEqual(tokenizer.tokenize(String(repeating: "a", count: 101)), ["[UNK]"])
        // Counted in scalars of the normalised word, not bytes: 100 two-byte scalars still fit.
        XCTAssertEqual(tokenizer.tokenize(String(repeating: "é", count: 100)).count, 100)
        XCTAssertEqual(tokenizer.tokenize(String(repeating: "é", count: 101)), ["[UNK]"])
    }

    func testPunctuationAndSpecialTokenTextSplitWords() throws {
        let tokenizer = try small(["a", "b", "[", "]", "$", "cls"])
        XCTAssertEqual(tokenizer.tokenize("a$b"), ["a", "$", "b"])
        XCTAssertEqual(tokenizer.tokenize("a[CLS]b"), ["a", "[CLS]", "b"])
        XCTAssertEqual(tokenizer.tokenize("[cls]"), ["[", "cls", "]"], "special tokens match case-sensitively")
        XCTAssertEqual(tokenizer.tokenize("[[SEP]]"), ["[", "[SEP]", "]"])
    }

    // MARK: truncation

    func testLongestFirstTruncation() {
        func run(_ a: Int, _ b: Int, _ budget: Int) -> [Int] {
            var x = [Int32](repeating: 1, count: a), y = [Int32](repeating: 2, count: b)
            BertTokenizer.truncateLongestFirst(&x, &y, budget: budget)
            return [x.count, y.count]
        }
        XCTAssertEqual(run(3, 4, 10), [3, 4], "fits: unchanged")
        XCTAssertEqual(run(2, 10, 6), [2, 4], "the short side is kept whole when the long one can absorb the cut")
        XCTAssertEqual(run(10, 2, 6), [4, 2])
        XCTAssertEqual(run(5, 5, 7), [3, 4], "equal lengths: the second text keeps the odd token")
        XCTAssertEqual(run(8, 6, 7), [4, 3], "both long: the longer text keeps the odd token")
        XCTAssertEqual(run(6, 8, 7), [3, 4])
        XCTAssertEqual(run(9, 9, 0), [0, 0])
        XCTAssertEqual(run(0, 9, 1), [0, 1])
    }

    func testEncodeLayoutAndTypeIDs() throws {
        let tokenizer = try small(["a", "b", "c"])
        let single = tokenizer.encode("a b")
        XCTAssertEqual(single.tokens, ["[CLS]", "a", "b", "[SEP]"])
        XCTAssertEqual(single.ids, [2, 5, 6, 3])
        XCTAssertEqual(single.typeIDs, [0, 0, 0, 0])
        let pair = tokenizer.encode("a", pair: "b c")
        XCTAssertEqual(pair.tokens, ["[CLS]", "a", "[SEP]", "b", "c", "[SEP]"])
        XCTAssertEqual(pair.typeIDs, [0, 0, 0, 1, 1, 1])
        XCTAssertEqual(tokenizer.encode("").tokens, ["[CLS]", "[SEP]"])
        XCTAssertEqual(tokenizer.encode("a b c a b c", maxLength: 5).tokens, ["[CLS]", "a", "b", "c", "[SEP]"])
    }
}
