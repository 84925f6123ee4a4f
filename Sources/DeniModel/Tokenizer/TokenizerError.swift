import Foundation

/// Why a tokenizer could not be built. Every case names the file involved.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    /// The file is missing or could not be read as text; `reason` says which.
    case unreadableFile(path: String, reason: String)
    /// The vocabulary file holds no token at all.
    case emptyVocabulary(path: String)
    /// The vocabulary lacks special tokens the BERT input layout needs.
    case missingSpecialTokens(path: String, missing: [String])
    /// A configuration file exists but is not valid (bad JSON, wrong type for a known key).
    case invalidConfig(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "cannot read tokenizer file \(path): \(reason)"
        case let .emptyVocabulary(path):
            return "vocabulary file \(path) holds no tokens"
        case let .missingSpecialTokens(path, missing):
            return "vocabulary file \(path) lacks the special token(s) \(missing.joined(separator: " ")); a BERT vocabulary needs [PAD] [UNK] [CLS] [SEP] [MASK]"
        case let .invalidConfig(path, reason):
            return "invalid tokenizer configuration \(path): \(reason)"
        }
    }
}

extension TokenizerError: LocalizedError {
    public var errorDescription: String? { description }
}
