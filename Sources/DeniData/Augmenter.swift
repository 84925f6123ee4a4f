import DeniCore
import Foundation

/// EDA-style text augmentation (synonym replacement from WordNet, random insertion, swap and deletion) for
/// the Augment strategies.
///
/// Contract: the output depends only on the text, the parameters and the stream (same stream state ⇒ same
/// copies); labels are never touched. Words are the text's white-space separated tokens; synonyms are looked
/// up on a token stripped of leading and trailing punctuation, which is put back around the synonym. Each copy
/// applies one operation chosen uniformly from the four; when it leaves the text unchanged (no synonyms, one
/// word) the next operations in order are tried, and a text that no operation can change is returned as is.
public struct Augmenter: Sendable {
    public enum Operation: String, CaseIterable, Sendable {
        case synonymReplacement, randomInsertion, randomSwap, randomDeletion
    }

    public let wordnet: WordNet
    /// Share of the words an operation changes: max(1, ⌊alpha·words⌋) replacements, insertions or swaps;
    /// each word is deleted with probability alpha.
    public var alpha: Double

    /// Loads WordNet from `wordnetDirectory`; throws a `DataError` naming the Debian package when it is missing.
    public init(wordnetDirectory: URL = WordNet.defaultDirectory, alpha: Double = 0.1) throws(DataError) {
        guard alpha > 0 && alpha < 1 else { throw DataError(file: "augmentation", "alpha must be between 0 and 1 exclusive (got \(alpha))") }
        wordnet = try WordNet(directory: wordnetDirectory)
        self.alpha = alpha
    }

    /// `copies` augmented versions of `text`.
    public func augment(_ text: String, copies: Int, stream: inout RandomStream) -> [String] {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        guard !words.isEmpty else { return [String](repeating: text, count: max(copies, 0)) }
        var out: [String] = []
        for _ in 0..<max(copies, 0) {
            let first = stream.nextInt(below: Operation.allCases.count)
            var result = words
            for step in 0..<Operation.allCases.count {
                let op = Operation.allCases[(first + step) % Operation.allCases.count]
                result = apply(op, to: words, stream: &stream)
                if result != words { break }
            }
            out.append(result.joined(separator: " "))
        }
        return out
    }

    /// `copies` augmented versions of `example` with its label kept; a pair's two texts are augmented separately.
    public func augment(_ example: Example, copies: Int, stream: inout RandomStream) -> [Example] {
        let texts = augment(example.text, copies: copies, stream: &stream)
        let pairs = example.pair.map { augment($0, copies: copies, stream: &stream) }
        return texts.indices.map { Example(text: texts[$0], pair: pairs?[$0], label: example.label) }
    }

    /// One operation on a word list.
    public func apply(_ op: Operation, to words: [String], stream: inout RandomStream) -> [String] {
        let n = max(1, Int(alpha * Double(words.count)))
        var words = words
        switch op {
        case .synonymReplacement:
            var candidates = words.indices.filter { !isStopWord(words[$0]) }
            stream.shuffle(&candidates)
            var replaced = 0
            for i in candidates where replaced < n {
                let (prefix, core, suffix) = Self.splitPunctuation(words[i])
                let synonyms = wordnet.synonyms(of: core)
                guard !synonyms.isEmpty else { continue }
                words[i] = prefix + synonyms[stream.nextInt(below: synonyms.count)] + suffix
                replaced += 1
            }
        case .randomInsertion:
            for _ in 0..<n {
                // A synonym of a random content word, at a random position (up to 10 tries to find one).
                for _ in 0..<10 {
                    let core = Self.splitPunctuation(words[stream.nextInt(below: words.count)]).core
                    guard !isStopWord(core) else { continue }
                    let synonyms = wordnet.synonyms(of: core)
                    guard !synonyms.isEmpty else { continue }
                    words.insert(synonyms[stream.nextInt(below: synonyms.count)], at: stream.nextInt(below: words.count + 1))
                    break
                }
            }
        case .randomSwap:
            guard words.count > 1 else { break }
            for _ in 0..<n {
                let i = stream.nextInt(below: words.count)
                let j = (i + 1 + stream.nextInt(below: words.count - 1)) % words.count
                words.swapAt(i, j)
            }
        case .randomDeletion:
            guard words.count > 1 else { break }
            let kept = words.filter { _ in stream.nextDouble() >= alpha }
            words = kept.isEmpty ? [words[stream.nextInt(below: words.count)]] : kept
        }
        return words
    }

    func isStopWord(_ token: String) -> Bool {
        let core = Self.splitPunctuation(token).core.lowercased()
        return core.isEmpty || stopWords.contains(core)
    }

    /// A token as (leading punctuation, word, trailing punctuation).
    static func splitPunctuation(_ token: String) -> (prefix: String, core: String, suffix: String) {
        let isWordChar: (Character) -> Bool = { $0.isLetter || $0.isNumber }
        guard let start = token.firstIndex(where: isWordChar), let last = token.lastIndex(where: isWordChar) else {
            return (token, "", "")
        }
        return (String(token[..<start]), String(token[start...last]), String(token[token.index(after: last)...]))
    }
}

/// Function words EDA leaves alone (no synonyms looked up or inserted for them).
private let stopWords: Set<String> = [
    "a", "an", "the", "and", "or", "but", "nor", "so", "yet", "if", "then", "than", "because", "as", "while",
    "of", "at", "by", "for", "with", "about", "against", "between", "into", "through", "during", "before",
    "after", "above", "below", "to", "from", "up", "down", "in", "out", "on", "off", "over", "under", "again",
    "further", "once", "here", "there", "when", "where", "why", "how", "all", "any", "both", "each", "few",
    "more", "most", "other", "some", "such", "no", "not", "only", "own", "same", "too", "very", "can", "will",
    "just", "should", "now", "i", "me", "my", "myself", "we", "our", "ours", "you", "your", "yours", "he", "him",
    "his", "she", "her", "hers", "it", "its", "they", "them", "their", "theirs", "what", "which", "who", "whom",
    "this", "that", "these", "those", "am", "is", "are", "was", "were", "be", "been", "being", "have", "has",
    "had", "having", "do", "does", "did", "doing", "would", "could", "s", "t", "d", "ll", "m", "re", "ve",
]
