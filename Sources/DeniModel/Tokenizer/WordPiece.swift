/// WordPiece: splits one pre-tokenised word into vocabulary pieces by greedy longest match.
///
/// From the word's start, the longest prefix found in the vocabulary is taken; the rest is matched the
/// same way against `##`-prefixed entries. If some position has no match at all, or the word is longer than
/// `maxScalarsPerWord` Unicode scalars, the whole word becomes the single unknown token.
/// Cost: O(n · L) vocabulary probes for a word of n bytes, L = the longest vocabulary entry.
struct WordPiece: Sendable {
    let vocabulary: Vocabulary
    let unknownID: Int32
    let maxScalarsPerWord = 100

    /// Appends the ids of the pieces of `word` (UTF-8 bytes) to `ids`.
    func appendIDs(of word: UnsafeBufferPointer<UInt8>, to ids: inout [Int32]) {
        let n = word.count
        var scalars = 0
        for b in word where b & 0xC0 != 0x80 { scalars &+= 1 }
        if scalars > maxScalarsPerWord {
            ids.append(unknownID)
            return
        }
        let firstNew = ids.count
        let longest = vocabulary.longestTokenBytes
        var start = 0
        while start < n {
            var end = min(n, start + longest)
            while end < n && word[end] & 0xC0 == 0x80 { end -= 1 }   // back to a scalar boundary
            var found: Int32?
            while end > start {
                if let id = vocabulary.id(of: UnsafeBufferPointer(rebasing: word[start ..< end]), continuation: start > 0) {
                    found = id
                    break
                }
                end -= 1
                while end > start && word[end] & 0xC0 == 0x80 { end -= 1 }
            }
            guard let id = found else {
                ids.removeSubrange(firstNew...)
                ids.append(unknownID)
                return
            }
            ids.append(id)
            start = end
        }
    }
}
