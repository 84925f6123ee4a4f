import DeniCore
import Foundation

/// The BERT WordPiece tokenizer (uncased by default), matching the Hugging Face `tokenizers` reference
/// (BertNormalizer → BertPreTokenizer → WordPiece → `[CLS] A [SEP] (B [SEP])`) id for id.
///
/// Literal special-token text in the input (`[CLS]`, `[SEP]`, `[PAD]`, `[UNK]`, `[MASK]`, case-sensitive)
/// is kept as that special token, as the reference does; the text around it is tokenized normally.
/// Thread-safe: all state is immutable; each call uses its own scratch memory.
public final class BertTokenizer: Sendable {
    public let padID, unkID, clsID, sepID, maskID: Int32
    /// Whether text is lowercased.
    public let lowercase: Bool
    /// Whether accents are stripped (NFD, then nonspacing marks removed).
    public let stripAccents: Bool

    private let vocabulary: Vocabulary
    private let normalizer: BertNormalizer
    private let wordPiece: WordPiece
    /// The special tokens recognised in raw text, with their ids.
    private let specials: [(text: [UInt8], id: Int32)]

    static let specialTokenNames = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

    /// Loads a `vocab.txt` (one token per line; the line number from 0 is the id).
    ///
    /// - Parameters:
    ///   - lowercase: lowercase the text (uncased models).
    ///   - stripAccents: strip accents; nil means "as `lowercase`" (the reference's default).
    /// - Throws: `TokenizerError` naming the file when it is missing, unreadable, not UTF-8, empty, or
    ///   lacks any of `[PAD] [UNK] [CLS] [SEP] [MASK]`.
    public init(vocabURL: URL, lowercase: Bool = true, stripAccents: Bool? = nil) throws {
        let data: Data
        do {
            data = try FileProblem.contents(of: vocabURL)
        } catch {
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: vocabURL.path, isDirectory: &isFolder)
            let reason = !exists ? "no such file" : isFolder.boolValue ? "is a folder, not a file" : FileProblem.describe(error)
            throw TokenizerError.unreadableFile(path: vocabURL.path, reason: reason)
        }
        guard String(data: data, encoding: .utf8) != nil else {
            throw TokenizerError.unreadableFile(path: vocabURL.path, reason: "not valid UTF-8 text")
        }
        // Lines end with "\n" or "\r\n" (split on bytes: Swift treats "\r\n" as one Character).
        var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
        }
        if lines.last == "" { lines.removeLast() }   // the final newline ends the last line
        if lines.isEmpty || lines.allSatisfy(\.isEmpty) {
            throw TokenizerError.emptyVocabulary(path: vocabURL.path)
        }
        let vocabulary = Vocabulary(tokens: lines)
        var ids: [Int32] = []
        var missing: [String] = []
        for name in Self.specialTokenNames {
            if let id = vocabulary.id(of: name) { ids.append(id) } else { missing.append(name) }
        }
        guard missing.isEmpty else {
            throw TokenizerError.missingSpecialTokens(path: vocabURL.path, missing: missing)
        }
        (padID, unkID, clsID, sepID, maskID) = (ids[0], ids[1], ids[2], ids[3], ids[4])
        self.vocabulary = vocabulary
        self.lowercase = lowercase
        self.stripAccents = stripAccents ?? lowercase
        normalizer = BertNormalizer(lowercase: lowercase, stripAccents: stripAccents ?? lowercase)
        wordPiece = WordPiece(vocabulary: vocabulary, unknownID: ids[1])
        specials = zip(Self.specialTokenNames, ids).map { (Array($0.utf8), $1) }
    }

    /// Loads the tokenizer of a Hugging Face BERT folder: `vocab.txt`, and `tokenizer_config.json`'s
    /// `do_lower_case` (default true) and `strip_accents` (default: as `do_lower_case`) when that file exists.
    public convenience init(modelFolder: URL) throws {
        let configURL = modelFolder.appendingPathComponent("tokenizer_config.json")
        var lowercase = true
        var stripAccents: Bool?
        if FileManager.default.fileExists(atPath: configURL.path) {
            let config: TokenizerConfig
            do {
                config = try JSONDecoder().decode(TokenizerConfig.self, from: FileProblem.contents(of: configURL))
            } catch let error as DecodingError {
                throw TokenizerError.invalidConfig(path: configURL.path, reason: TokenizerConfig.explain(error))
            } catch {
                throw TokenizerError.invalidConfig(path: configURL.path, reason: "not readable (\(FileProblem.describe(error)))")
            }
            lowercase = config.do_lower_case ?? true
            stripAccents = config.strip_accents
        }
        let vocabURL = modelFolder.appendingPathComponent("vocab.txt")
        try self.init(vocabURL: vocabURL, lowercase: lowercase, stripAccents: stripAccents)
        // Every id this vocabulary can produce must have a row in the model's embedding table.
        let modelConfig = modelFolder.appendingPathComponent("config.json")
        if FileManager.default.fileExists(atPath: modelConfig.path), let rows = try? BertConfig.load(modelConfig).vocabSize, vocabSize > rows {
            throw TokenizerError.invalidConfig(path: vocabURL.path, reason: "it has \(vocabSize) tokens but config.json's vocab_size is \(rows): ids from \(rows) on would have no embedding row (use the vocab.txt that came with the model)")
        }
    }

    /// The keys of `tokenizer_config.json` this tokenizer honours; others are ignored.
    private struct TokenizerConfig: Decodable {
        var do_lower_case: Bool?
        var strip_accents: Bool?

        static func explain(_ error: DecodingError) -> String {
            switch error {
            case let .typeMismatch(_, context), let .valueNotFound(_, context):
                let key = context.codingPath.map(\.stringValue).joined(separator: ".")
                return "\"\(key)\" must be true, false or null"
            case let .dataCorrupted(context):
                return "not valid JSON (\(context.debugDescription))"
            case let .keyNotFound(key, _):
                return "missing key \"\(key.stringValue)\""
            @unknown default:
                return "\(error)"
            }
        }
    }

    /// Number of vocabulary entries (lines of vocab.txt).
    public var vocabSize: Int { vocabulary.count }

    /// The vocabulary text of `id`, or nil when out of range.
    public func token(forID id: Int32) -> String? {
        vocabulary.tokens.indices.contains(Int(id)) ? vocabulary.tokens[Int(id)] : nil
    }

    /// The id of a vocabulary entry, or nil.
    public func id(forToken token: String) -> Int32? { vocabulary.id(of: token) }

    /// Tokenizes one text, or a pair, into `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]`.
    ///
    /// - Parameter maxLength: the most tokens to return, special tokens included. When the texts are
    ///   longer, tokens are removed from the end: for a pair, from the longer text first (the reference's
    ///   "longest first": the shorter text is kept whole if it fits in half of the m free places or less; otherwise
    ///   the shorter (or, on a tie, A) keeps ⌊m/2⌋ tokens and the other ⌈m/2⌉). As in the reference, a
    ///   `maxLength` smaller than the number of special tokens (2 single, 3 pair) disables truncation.
    ///   No padding is added.
    public func encode(_ text: String, pair: String? = nil, maxLength: Int? = nil) -> Encoding {
        var a = self.ids(of: text)
        var b = pair.map { self.ids(of: $0) }
        let added = b == nil ? 2 : 3
        if let maxLength, maxLength >= added {
            let budget = maxLength - added
            if var second = b {
                Self.truncateLongestFirst(&a, &second, budget: budget)
                b = second
            } else if a.count > budget {
                a.removeSubrange(budget...)
            }
        }
        var ids: [Int32] = [clsID]
        ids.reserveCapacity(a.count + (b?.count ?? 0) + added)
        ids.append(contentsOf: a)
        ids.append(sepID)
        var typeIDs = [Int32](repeating: 0, count: ids.count)
        if let b {
            ids.append(contentsOf: b)
            ids.append(sepID)
            typeIDs.append(contentsOf: repeatElement(1, count: b.count + 1))
        }
        return Encoding(tokens: ids.map { vocabulary.tokens[Int($0)] }, ids: ids, typeIDs: typeIDs)
    }

    /// The word pieces of `text`, without `[CLS]`/`[SEP]` and without truncation.
    public func tokenize(_ text: String) -> [String] {
        ids(of: text).map { vocabulary.tokens[Int($0)] }
    }

    /// The ids of the word pieces of `text` (no special tokens added).
    public func ids(of text: String) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        var segmentStart = text.startIndex
        var cursor = text.utf8.startIndex
        let utf8 = text.utf8
        while cursor < utf8.endIndex {
            // Special tokens all start with "[": only there is a match attempted. Segments are cut on
            // scalar (not character) boundaries, so a combining mark after "]" stays in the next segment.
            if utf8[cursor] == 0x5B, let (id, end) = specialToken(at: cursor, in: utf8) {
                appendWordIDs(Substring(text.unicodeScalars[segmentStart ..< cursor]), to: &ids)
                ids.append(id)
                segmentStart = end
                cursor = end
            } else {
                cursor = utf8.index(after: cursor)
            }
        }
        appendWordIDs(Substring(text.unicodeScalars[segmentStart...]), to: &ids)
        return ids
    }

    private func specialToken(at start: String.Index, in utf8: String.UTF8View) -> (Int32, String.Index)? {
        for special in specials {
            var i = start
            var matched = true
            for byte in special.text {
                guard i < utf8.endIndex, utf8[i] == byte else { matched = false; break }
                i = utf8.index(after: i)
            }
            if matched { return (special.id, i) }
        }
        return nil
    }

    private func appendWordIDs(_ segment: Substring, to ids: inout [Int32]) {
        if segment.isEmpty { return }
        normalizer.forEachWord(in: segment) { word in
            wordPiece.appendIDs(of: word, to: &ids)
        }
    }

    /// Shortens `a` and `b` to `budget` tokens together, from the longer one first (the reference's rule).
    static func truncateLongestFirst(_ a: inout [Int32], _ b: inout [Int32], budget: Int) {
        guard a.count + b.count > budget else { return }
        var short = min(a.count, b.count)
        var long: Int
        if short > budget {
            long = short
        } else {
            long = max(short, budget - short)
        }
        if short + long > budget {
            short = budget / 2
            long = short + budget % 2
        }
        let (keepA, keepB) = a.count > b.count ? (long, short) : (short, long)
        if a.count > keepA { a.removeSubrange(keepA...) }
        if b.count > keepB { b.removeSubrange(keepB...) }
    }
}
