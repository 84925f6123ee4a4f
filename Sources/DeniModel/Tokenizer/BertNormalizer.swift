import Foundation

/// The BERT normaliser and pre-tokeniser: turns text into the words WordPiece then splits.
///
/// Steps, in the reference's order:
/// 1. clean: remove NUL, U+FFFD and control/format characters; every whitespace character becomes a space;
/// 2. surround each CJK ideograph with spaces;
/// 3. strip accents (if `stripAccents`): canonical decomposition (NFD), then remove nonspacing marks (Mn)
///    (with the reference's Unicode versions, see `BertCharacters`);
/// 4. lowercase (if `lowercase`): the full, context-free Unicode lowercase mapping of each scalar;
/// 5. pre-tokenise: split on whitespace (dropped) and around every punctuation character (kept as a word).
///
/// Text made only of ASCII takes a byte-level path with the same result; other text follows the steps literally.
struct BertNormalizer: Sendable {
    let lowercase: Bool
    let stripAccents: Bool

    /// Calls `body` with the UTF-8 bytes of each word of `text`, in order. Words are never empty.
    func forEachWord(in text: Substring, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var word: [UInt8] = []
        word.reserveCapacity(64)
        let isASCII = text.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.allSatisfy { $0 < 0x80 }
        } ?? text.utf8.allSatisfy { $0 < 0x80 }
        if isASCII {
            asciiWords(text, into: &word, body)
        } else {
            unicodeWords(text, into: &word, body)
        }
    }

    /// The byte-level path for ASCII text (no decomposition can apply, lowercasing is A–Z → a–z).
    private func asciiWords(_ text: Substring, into word: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        let table = BertCharacters.asciiClass
        let scan = { (bytes: UnsafeBufferPointer<UInt8>) in
            for b in bytes {
                switch table[Int(b)] {
                case .kept:
                    word.append(b)
                case .uppercase:
                    word.append(self.lowercase ? b | 0x20 : b)
                case .whitespace:
                    Self.flush(&word, body)
                case .punctuation:
                    Self.flush(&word, body)
                    word.append(b)
                    Self.flush(&word, body)
                case .removed:
                    break
                }
            }
        }
        if text.utf8.withContiguousStorageIfAvailable(scan) == nil {
            Array(text.utf8).withUnsafeBufferPointer(scan)
        }
        Self.flush(&word, body)
    }

    /// The general path: the normalisation steps applied literally, then pre-tokenisation.
    private func unicodeWords(_ text: Substring, into word: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var cleaned = String.UnicodeScalarView()
        for v in text.unicodeScalars {
            if BertCharacters.isRemovedByCleaning(v) { continue }
            if BertCharacters.isWhitespace(v) {
                cleaned.append(" ")
            } else if BertCharacters.isCJKIdeograph(v) {
                cleaned.append(" ")
                cleaned.append(v)
                cleaned.append(" ")
            } else {
                cleaned.append(v)
            }
        }
        let normalized = stripAccents ? Self.referenceNFD(cleaned) : cleaned
        for v in normalized {
            if stripAccents, BertCharacters.isNonspacingMark(v) { continue }
            if lowercase, v.value >= 0x80 || BertCharacters.asciiClass[Int(v.value)] == .uppercase {
                for l in v.properties.lowercaseMapping.unicodeScalars { Self.pretokenize(l, &word, body) }
            } else {
                Self.pretokenize(v, &word, body)
            }
        }
        Self.flush(&word, body)
    }

    /// Canonical decomposition (NFD) as the reference computes it: runs of characters its Unicode 9.0 data
    /// knows are decomposed and reordered; later characters stay as they are and split the runs.
    static func referenceNFD(_ scalars: String.UnicodeScalarView) -> String.UnicodeScalarView {
        var result = String.UnicodeScalarView()
        var run = String.UnicodeScalarView()
        for v in scalars {
            if v.value < 0x80 || BertCharacters.isKnownToReferenceDecomposition(v) {
                run.append(v)
            } else {
                result.append(contentsOf: String(run).decomposedStringWithCanonicalMapping.unicodeScalars)
                run.removeAll()
                result.append(v)
            }
        }
        result.append(contentsOf: String(run).decomposedStringWithCanonicalMapping.unicodeScalars)
        return result
    }

    @inline(__always)
    private static func pretokenize(_ v: Unicode.Scalar, _ word: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if BertCharacters.isWhitespace(v) {
            flush(&word, body)
        } else if BertCharacters.isPunctuation(v) {
            flush(&word, body)
            word.append(contentsOf: v.utf8)
            flush(&word, body)
        } else {
            word.append(contentsOf: v.utf8)
        }
    }

    @inline(__always)
    private static func flush(_ word: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if word.isEmpty { return }
        word.withUnsafeBufferPointer(body)
        word.removeAll(keepingCapacity: true)
    }
}
