import Foundation

/// Synonyms from the WordNet 3.0 database files as Debian's `wordnet-base` installs them
/// (/usr/share/wordnet/index.{noun,verb,adj,adv} and data.*).
///
/// The files are read whole into memory and searched in place: each index file is sorted by lemma, so a
/// lookup is a binary search over its bytes; a synset is read at its byte offset in the data file. Words are
/// looked up lowercased with spaces as underscores, and, when the word itself is not a lemma, through
/// WordNet's regular suffix rules (dogs → dog, running → run, bigger → big); irregular forms (the *.exc
/// lists) are not consulted.
public final class WordNet: Sendable {
    public static let defaultDirectory = URL(fileURLWithPath: "/usr/share/wordnet")
    /// The Debian package that provides the database.
    public static let debianPackage = "wordnet-base"

    enum PartOfSpeech: Int, CaseIterable { case noun, verb, adj, adv }
    private static let fileSuffixes = ["noun", "verb", "adj", "adv"]
    /// WordNet's detachment rules (suffix, replacement) per part of speech.
    private static let suffixRules: [[(String, String)]] = [
        [("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"), ("ies", "y")],
        [("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")],
        [("er", ""), ("est", ""), ("er", "e"), ("est", "e")],
        [],
    ]

    private let index: [[UInt8]]
    private let data: [[UInt8]]

    /// Reads the database from `directory`; a missing or unreadable file is a `DataError` naming the file
    /// and the Debian package that provides it.
    public init(directory: URL = WordNet.defaultDirectory) throws(DataError) {
        var index: [[UInt8]] = [], data: [[UInt8]] = []
        for suffix in Self.fileSuffixes {
            for (kind, list) in [("index", 0), ("data", 1)] {
                let url = directory.appendingPathComponent("\(kind).\(suffix)")
                guard let bytes = FileManager.default.contents(atPath: url.path), !bytes.isEmpty else {
                    throw DataError(file: url.path, "WordNet database file not found: augmentation needs the Debian package \(Self.debianPackage) (apt-get install \(Self.debianPackage); ./scripts/setup.sh installs it), or a folder holding index.* and data.* given as wordnetDirectory")
                }
                if list == 0 { index.append([UInt8](bytes)) } else { data.append([UInt8](bytes)) }
            }
        }
        self.index = index
        self.data = data
    }

    /// Lemmas that share a synset with `word` in any part of speech, lowercased, with spaces for
    /// underscores, without `word` itself and without duplicates, in WordNet's order (noun, verb, adjective,
    /// adverb; senses by frequency). Empty for unknown words.
    public func synonyms(of word: String) -> [String] {
        let key = word.lowercased().replacingOccurrences(of: " ", with: "_")
        guard !key.isEmpty else { return [] }
        var result: [String] = []
        var seen: Set<String> = [word.lowercased()]
        for pos in PartOfSpeech.allCases {
            for lemma in [key] + Self.suffixRules[pos.rawValue].compactMap({ rule in
                key.hasSuffix(rule.0) && key.count > rule.0.count ? String(key.dropLast(rule.0.count)) + rule.1 : nil
            }) {
                guard let offsets = synsetOffsets(Array(lemma.utf8), pos) else { continue }
                seen.insert(lemma.replacingOccurrences(of: "_", with: " "))
                for offset in offsets {
                    for synonym in synsetWords(offset, pos) where seen.insert(synonym).inserted {
                        result.append(synonym)
                    }
                }
                break  // the first base form found, as WordNet's morphy does
            }
        }
        return result
    }

    /// Synset byte offsets of `lemma` in `pos`, from its index line; nil when it is not a lemma.
    private func synsetOffsets(_ lemma: [UInt8], _ pos: PartOfSpeech) -> [Int]? {
        index[pos.rawValue].withUnsafeBufferPointer { b -> [Int]? in
            let n = b.count
            func lineEnd(_ s: Int) -> Int { var e = s; while e < n && b[e] != 0x0A { e += 1 }; return e }
            // Compare the lemma starting at line `s` with `lemma` (bytewise, as the file is sorted).
            func compare(_ s: Int) -> Int {
                var i = 0
                while true {
                    let atEnd = s + i >= n || b[s + i] == 0x20
                    if i == lemma.count { return atEnd ? 0 : 1 }
                    if atEnd { return -1 }
                    if b[s + i] != lemma[i] { return b[s + i] < lemma[i] ? -1 : 1 }
                    i += 1
                }
            }
            var lo = 0
            while lo < n && b[lo] == 0x20 { lo = lineEnd(lo) + 1 }  // licence lines start with spaces
            var hi = n
            while lo < hi {
                var s = (lo + hi) / 2
                while s > lo && b[s - 1] != 0x0A { s -= 1 }
                let order = compare(s)
                if order == 0 {
                    let fields = b[s..<lineEnd(s)].split(separator: 0x20)
                    guard fields.count > 3, let count = Int(String(decoding: fields[2], as: UTF8.self)), fields.count >= count else { return nil }
                    return fields.suffix(count).compactMap { Int(String(decoding: $0, as: UTF8.self)) }
                }
                if order < 0 { lo = lineEnd(s) + 1 } else { hi = s }
            }
            return nil
        }
    }

    /// The words of the synset at `offset` of the `pos` data file ("offset lex_filenum ss_type w_cnt word lex_id …").
    private func synsetWords(_ offset: Int, _ pos: PartOfSpeech) -> [String] {
        let bytes = data[pos.rawValue]
        guard offset >= 0 && offset < bytes.count else { return [] }
        var end = offset
        while end < bytes.count && bytes[end] != 0x0A { end += 1 }
        let fields = bytes[offset..<end].split(separator: 0x20, maxSplits: 200)
        guard fields.count > 4, let count = Int(String(decoding: fields[3], as: UTF8.self), radix: 16) else { return [] }
        var words: [String] = []
        for i in 0..<count where 4 + 2 * i < fields.count {
            var w = String(decoding: fields[4 + 2 * i], as: UTF8.self)
            if let paren = w.firstIndex(of: "(") { w = String(w[..<paren]) }  // adjective markers (a), (p), (ip)
            words.append(w.replacingOccurrences(of: "_", with: " ").lowercased())
        }
        return words
    }
}
