/// The output of `BertTokenizer.encode`: one entry per token, special tokens included.
///
/// `tokens[i]` is the vocabulary text of `ids[i]`; `typeIDs[i]` is 0 for `[CLS]`, the first text and
/// its `[SEP]`, and 1 for the second text of a pair and its closing `[SEP]`. No padding is ever added.
public struct Encoding: Sendable, Equatable {
    public var tokens: [String]
    public var ids: [Int32]
    public var typeIDs: [Int32]

    public init(tokens: [String], ids: [Int32], typeIDs: [Int32]) {
        self.tokens = tokens
        self.ids = ids
        self.typeIDs = typeIDs
    }

    /// Number of tokens (special tokens included).
    public var count: Int { ids.count }
}
