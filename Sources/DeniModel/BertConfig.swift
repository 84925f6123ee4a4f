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
    public static func load(_ url: URL) throws -> BertConfig {
        let path = url.path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError(path, "file not found or unreadable")
        }
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelError(path, "not a JSON object")
        }
        func int(_ key: String, _ fallback: Int? = nil) throws -> Int {
            if let v = obj[key] as? NSNumber { return v.intValue }
            if let f = fallback { return f }
            throw ModelError(path, "missing integer '\(key)'")
        }
        func float(_ key: String, _ fallback: Float) -> Float { (obj[key] as? NSNumber)?.floatValue ?? fallback }
        if let type = obj["model_type"] as? String, !["bert", "roberta"].contains(type) {
            if type != "bert" { throw ModelError(path, "unsupported architecture model_type '\(type)' (supported: bert)") }
        }
        if let act = obj["hidden_act"] as? String, act != "gelu" {
            throw ModelError(path, "unsupported hidden_act '\(act)' (supported: gelu, the exact erf form)")
        }
        if let pos = obj["position_embedding_type"] as? String, pos != "absolute" {
            throw ModelError(path, "unsupported position_embedding_type '\(pos)' (supported: absolute)")
        }
        let c = BertConfig(vocabSize: try int("vocab_size"), hiddenSize: try int("hidden_size"),
                           numLayers: try int("num_hidden_layers"), numHeads: try int("num_attention_heads"),
                           intermediateSize: try int("intermediate_size"), maxPositions: try int("max_position_embeddings", 512),
                           typeVocabSize: try int("type_vocab_size", 2), layerNormEps: float("layer_norm_eps", 1e-12),
                           hiddenDropout: float("hidden_dropout_prob", 0.1), attentionDropout: float("attention_probs_dropout_prob", 0.1))
        for (k, v) in [("vocab_size", c.vocabSize), ("hidden_size", c.hiddenSize), ("num_hidden_layers", c.numLayers),
                       ("num_attention_heads", c.numHeads), ("intermediate_size", c.intermediateSize), ("max_position_embeddings", c.maxPositions),
                       ("type_vocab_size", c.typeVocabSize)] where v < 1 || v > 1_000_000 {
            throw ModelError(path, "'\(k)' = \(v) is out of range")
        }
        if c.hiddenSize % c.numHeads != 0 {
            throw ModelError(path, "hidden_size \(c.hiddenSize) is not divisible by num_attention_heads \(c.numHeads)")
        }
        return c
    }
}

/// A model file that cannot be used, with the file and the problem.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let problem: String
    public init(_ file: String, _ problem: String) { self.file = file; self.problem = problem }
    public var description: String { "\(file): \(problem)" }
}
