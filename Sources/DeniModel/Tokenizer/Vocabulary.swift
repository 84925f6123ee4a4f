/// A WordPiece vocabulary: token text ↔ id.
///
/// Lookups compare exact UTF-8 bytes, as the reference does. (`String ==` would treat canonically
/// equivalent texts such as "é" and "e\u{301}" as one key, which the reference does not.)
/// Storage: all token bytes in one array, an open-addressing hash table (FNV-1a, linear probing,
/// load ≤ 1/2) of ids. A lookup costs one hash of the piece plus, normally, one byte comparison.
/// When a token appears twice, the later line's id wins (as in the reference loaders).
struct Vocabulary: Sendable {
    /// `tokens[id]` is the text of token `id` (one per vocabulary line).
    let tokens: [String]
    /// The length in UTF-8 bytes of the longest token, `##` included.
    let longestTokenBytes: Int

    private let bytes: [UInt8]
    private let starts: [Int]           // token i is bytes[starts[i] ..< starts[i + 1]]
    private let slots: [Int32]          // -1 = empty, else a token id
    private let mask: Int

    private static let continuationPrefix: [UInt8] = Array("##".utf8)

    init(tokens: [String]) {
        self.tokens = tokens
        var bytes: [UInt8] = []
        var starts: [Int] = [0]
        starts.reserveCapacity(tokens.count + 1)
        for token in tokens {
            bytes.append(contentsOf: token.utf8)
            starts.append(bytes.count)
        }
        var capacity = 16
        while capacity < 2 * tokens.count { capacity <<= 1 }
        var slots = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        var longest = 0
        bytes.withUnsafeBufferPointer { all in
            for id in tokens.indices {
                let entry = UnsafeBufferPointer(rebasing: all[starts[id] ..< starts[id + 1]])
                longest = max(longest, entry.count)
                var slot = Int(truncatingIfNeeded: Vocabulary.finish(Vocabulary.accumulate(entry, Vocabulary.fnvOffset))) & mask
                while slots[slot] >= 0 {
                    let other = Int(slots[slot])
                    if UnsafeBufferPointer(rebasing: all[starts[other] ..< starts[other + 1]]).elementsEqual(entry) { break }
                    slot = (slot &+ 1) & mask
                }
                slots[slot] = Int32(id)
            }
        }
        self.bytes = bytes
        self.starts = starts
        self.slots = slots
        self.mask = mask
        self.longestTokenBytes = longest
    }

    var count: Int { tokens.count }

    /// The id of `token`, or nil.
    func id(of token: String) -> Int32? {
        var text = token
        return text.withUTF8 { id(of: $0, continuation: false) }
    }

    /// The id of `piece`, preceded by `##` when `continuation` is true, or nil.
    func id(of piece: UnsafeBufferPointer<UInt8>, continuation: Bool) -> Int32? {
        var h = Vocabulary.fnvOffset
        var prefixCount = 0
        if continuation {
            h = Vocabulary.continuationSeed
            prefixCount = 2
        }
        h = Vocabulary.finish(Vocabulary.accumulate(piece, h))
        let length = prefixCount + piece.count
        return bytes.withUnsafeBufferPointer { all -> Int32? in
            slots.withUnsafeBufferPointer { table -> Int32? in
                starts.withUnsafeBufferPointer { starts -> Int32? in
                    var slot = Int(truncatingIfNeeded: h) & mask
                    while true {
                        let id = table[slot]
                        if id < 0 { return nil }
                        let start = starts[Int(id)]
                        if starts[Int(id) + 1] - start == length,
                           !continuation || (all[start] == 0x23 && all[start + 1] == 0x23) {
                            var equal = true
                            let base = start + prefixCount
                            for i in 0 ..< piece.count where all[base &+ i] != piece[i] {
                                equal = false
                                break
                            }
                            if equal { return id }
                        }
                        slot = (slot &+ 1) & mask
                    }
                }
            }
        }
    }

    private static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    /// The FNV state after "##", so continuation pieces hash like their full vocabulary entry.
    private static let continuationSeed: UInt64 = continuationPrefix.withUnsafeBufferPointer { accumulate($0, fnvOffset) }

    /// FNV-1a over `data`, continuing from state `h`.
    @inline(__always)
    private static func accumulate(_ data: UnsafeBufferPointer<UInt8>, _ h: UInt64) -> UInt64 {
        var h = h
        for b in data { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    /// Folds the high bits in: the table index uses only the low bits.
    @inline(__always)
    private static func finish(_ h: UInt64) -> UInt64 { h ^ (h >> 29) }
}
