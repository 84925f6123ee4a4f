import DeniCore
import Foundation

/// The architecture of a BERT encoder, read from a Hugging Face `config.json`.
public struct BertConfig: Codable, Hashable, Sendable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numLayers: Int
    public var numHeads: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var typeVocabSize: Int
    public var layerNormEps: Float
    public var hiddenDropout: Float
    public var attentionDropout: Float

    public init(vocabSize: Int, hiddenSize: Int, numLayers: Int, numHeads: Int, intermediateSize: Int,
                maxPositions: Int, typeVocabSize: Int = 2, layerNormEps: Float = 1e-12,
                hiddenDropout: Float = 0.1, attentionDropout: Float = 0.1) {
        self.vocabSize = vocabSize; self.hiddenSize = hiddenSize; self.numLayers = numLayers; self.numHeads = numHeads
        self.intermediateSize = intermediateSize; self.maxPositions = maxPositions; self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps; self.hiddenDropout = hiddenDropout; self.attentionDropout = attentionDropout
    }

    public var headSize: Int { hiddenSize / numHeads }

    /// Reads and validates `config.json`. Only BERT-family encoders with absolute positions and GELU are supported.
    /// Sizes must be whole numbers in 1…1,000,000 (a fraction or a string is refused, not truncated), `layer_norm_eps`
    /// finite and > 0 in Float, the dropouts in [0, 1). Whether the sizes fit the weights is checked when they are
    /// read (`ModelWeights.load`), before any weight memory is allocated.
    public static func load(_ url: URL) throws -> BertConfig {
        let path = url.path
        let data: Data
        do { data = try FileProblem.contents(of: url) } catch {
            throw ModelError(path, FileManager.default.fileExists(atPath: path) ? "cannot be read (\(FileProblem.describe(error)))" : "file not found")
        }
        let file: FileFields
        do { file = try JSONDecoder().decode(FileFields.self, from: data) } catch {
            throw ModelError(path, StrictDecoding.describe(error, decoding: data))
        }
        if let type = file.modelType, type != "bert" {
            throw ModelError(path, "unsupported architecture: model_type is '\(type)' (supported: bert)")
        }
        if let act = file.hiddenAct, act != "gelu" {
            throw ModelError(path, "hidden_act is '\(act)' (supported: gelu, the exact erf form)")
        }
        if let pos = file.positionEmbeddingType, pos != "absolute" {
            throw ModelError(path, "position_embedding_type is '\(pos)' (supported: absolute)")
        }
        // Sizes are read as numbers and checked here: Foundation's decoder reports a fraction for an Int as "not valid JSON".
        func size(_ value: Double?, _ key: String, default fallback: Int? = nil) throws -> Int {
            guard let v = value ?? fallback.map(Double.init) else { throw ModelError(path, "'\(key)' is missing (a whole number in 1…1,000,000)") }
            guard (1...1_000_000).contains(v), v.rounded() == v else {
                throw ModelError(path, "'\(key)' is \(v.messageText) (valid: a whole number in 1…1,000,000)")
            }
            return Int(v)
        }
        func probability(_ value: Double?, _ key: String) throws -> Float {
            guard let p = value else { return 0.1 }
            guard p >= 0 && p < 1 else { throw ModelError(path, "'\(key)' is \(p.messageText) (valid: 0 ≤ p < 1)") }
            return Float(p)
        }
        let eps = Float(file.layerNormEps ?? 1e-12)
        guard eps.isFinite && eps > 0 else {
            throw ModelError(path, "'layer_norm_eps' is \((file.layerNormEps ?? 0).messageText) (valid: a finite number > 0 that Float can hold, usually 1e-12)")
        }
        let c = BertConfig(vocabSize: try size(file.vocabSize, "vocab_size"), hiddenSize: try size(file.hiddenSize, "hidden_size"),
                           numLayers: try size(file.numHiddenLayers, "num_hidden_layers"),
                           numHeads: try size(file.numAttentionHeads, "num_attention_heads"),
                           intermediateSize: try size(file.intermediateSize, "intermediate_size"),
                           maxPositions: try size(file.maxPositionEmbeddings, "max_position_embeddings", default: 512),
                           typeVocabSize: try size(file.typeVocabSize, "type_vocab_size", default: 2), layerNormEps: eps,
                           hiddenDropout: try probability(file.hiddenDropoutProb, "hidden_dropout_prob"),
                           attentionDropout: try probability(file.attentionProbsDropoutProb, "attention_probs_dropout_prob"))
        if c.hiddenSize % c.numHeads != 0 {
            throw ModelError(path, "hidden_size \(c.hiddenSize) is not divisible by num_attention_heads \(c.numHeads)")
        }
        return c
    }

    /// The keys of `config.json` read here; others (architectures, initializer_range, …) are ignored.
    private struct FileFields: Decodable {
        var modelType: String?, hiddenAct: String?, positionEmbeddingType: String?
        var vocabSize: Double?, hiddenSize: Double?, numHiddenLayers: Double?, numAttentionHeads: Double?, intermediateSize: Double?
        var maxPositionEmbeddings: Double?, typeVocabSize: Double?
        var layerNormEps: Double?, hiddenDropoutProb: Double?, attentionProbsDropoutProb: Double?
        enum CodingKeys: String, CodingKey {
            case modelType = "model_type", hiddenAct = "hidden_act", positionEmbeddingType = "position_embedding_type"
            case vocabSize = "vocab_size", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
            case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
            case maxPositionEmbeddings = "max_position_embeddings", typeVocabSize = "type_vocab_size"
            case layerNormEps = "layer_norm_eps", hiddenDropoutProb = "hidden_dropout_prob"
            case attentionProbsDropoutProb = "attention_probs_dropout_prob"
        }
    }
}

/// A model file that cannot be used, with the file and the problem.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let problem: String
    public init(_ file: String, _ problem: String) { self.file = file; self.problem = problem }
    public var description: String { "\(file): \(problem)" }
}
