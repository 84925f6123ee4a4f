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
/// Every step works scalar by scalar except the reordering inside NFD, which never crosses an ASCII character
/// (all are starters). So ASCII bytes take a table-driven path, and only each run of non-ASCII scalars goes
/// through the steps literally; the result equals applying the steps to the whole text.
struct BertNormalizer: Sendable {
    let lowercase: Bool
    let stripAccents: Bool

    /// Calls `body` with the UTF-8 bytes of each word of `text`, in order. Words are never empty.
    func forEachWord(in text: Substring, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var word: [UInt8] = []
        word.reserveCapacity(64)
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { words(in: $0, into: &word, body) }
        if done == nil {
            Array(text.utf8).withUnsafeBufferPointer { words(in: $0, into: &word, body) }
        }
        Self.flush(&word, body)
    }

    private func words(in bytes: UnsafeBufferPointer<UInt8>, into word: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        let table = BertCharacters.asciiClass
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b >= 0x80 {
                var end = i + 1
                while end < bytes.count && bytes[end] >= 0x80 { end += 1 }
                nonASCIIRun(UnsafeBufferPointer(rebasing: bytes[i ..< end]), into: &word, body)
                i = end
                continue
            }
            switch table[Int(b)] {
            case .kept:
                word.append(b)
            case .uppercase:
                word.append(lowercase ? b | 0x20 : b)
            case .whitespace:
                Self.flush(&word, body)
            case .punctuation:
                Self.flush(&word, body)
                word.append(b)
                Self.flush(&word, body)
            case .removed:
                break
            }
            i += 1
        }
    }

    /// The steps applied literally to a run of non-ASCII scalars (`run`: their UTF-8 bytes).
    private func nonASCIIRun(_ run: UnsafeBufferPointer<UInt8>, into word: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var cleaned = String.UnicodeScalarView()
        for v in String(decoding: run, as: UTF8.self).unicodeScalars {
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
                // Decomposition can yield ASCII capitals (U+212A KELVIN SIGN → K).
                for l in v.properties.lowercaseMapping.unicodeScalars { Self.pretokenize(l, &word, body) }
            } else {
                Self.pretokenize(v, &word, body)
            }
        }
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
