import DeniCore
import DeniData
import DeniModel
import DeniTraining
import Foundation

/// A saved classifier — a `deni train --save` file or a `--save-peft` folder — on its base model, labelling texts
/// as the run that saved it labelled its test split: the same tokenizer, max length, tuning and pooling (from the
/// file's `SavedClassifier` record), eval mode, the runs' length-sorted evaluation batches and the same `Inference`.
public final class TextClassifier {
    /// Where the trained weights are.
    public enum Source: Sendable {
        /// A peft folder (`--save-peft`): adapter and classifier on top of the base model.
        case peft(URL)
        /// A whole-model safetensors file (`--save`).
        case weights(URL)
    }

    /// One text's result: the label (index into `classNames`) and every class's probability.
    public struct Prediction: Sendable, Equatable {
        public var label: Int
        public var probabilities: [Float]
    }

    public let record: SavedClassifier
    /// The max length texts are truncated to (recorded, or given for files saved before it was recorded).
    public let maxLength: Int
    /// What the file did not record and what is assumed instead.
    public let notes: [String]
    public var classNames: [String] { record.classNames }
    private let tokenizer: BertTokenizer
    private let model: BertModel
    private let weights: ModelWeights
    private let inference = Inference()

    /// Loads the base model in `modelDirectory` and the trained weights of `source`, checked against each other
    /// (errors name the file and the problem). `maxLength` overrides the recorded max length; a file without one
    /// truncates at the model's limit (with a note).
    public init(modelDirectory: URL, source: Source, maxLength: Int? = nil) throws {
        switch source {
        case .peft(let dir): record = try SavedClassifier.read(peftFolder: dir)
        case .weights(let url): record = try SavedClassifier.read(weights: url)
        }
        tokenizer = try BertTokenizer(modelFolder: modelDirectory)
        let bert = try BertConfig.load(modelDirectory.appendingPathComponent("config.json"))
        var notes = record.notes
        if let n = maxLength ?? record.maxLength {
            guard (2...bert.maxPositions).contains(n) else {
                throw ConfigError("max length", "\(n) tokens", "2...\(bert.maxPositions) (the model's max_position_embeddings)")
            }
            self.maxLength = n
        } else {
            self.maxLength = bert.maxPositions
            notes.append("no max length recorded (saved before it was): texts are truncated at the model's \(bert.maxPositions) tokens; pass --max-length to match the run")
        }
        self.notes = notes
        let spec = record.spec(config: bert)
        weights = try ModelWeights.load(folder: modelDirectory, spec: spec, initStream: Seeds().stream(.initialization))
        switch source {
        case .peft(let dir): try weights.importPEFT(from: dir, expectedBaseModel: modelDirectory.path)
        case .weights(let url): try weights.load(checkpoint: url)
        }
        model = BertModel(layout: weights.layout)
    }

    /// Labels and probabilities of `texts` (each with an optional second text), in their order, in batches of
    /// `batchSize` texts of similar length.
    public func predict(_ texts: [(text: String, pair: String?)], batchSize: Int = EvaluationBatches.defaultSize) -> [Prediction] {
        let examples = PreparedData.encode(texts.map { Example(text: $0.text, pair: $0.pair, label: 0) }, tokenizer: tokenizer, maxLength: maxLength)
        let batches = EvaluationBatches(examples, batchSize: batchSize)
        let probabilities = batches.restore(inference.probabilities(model, weights, batches.batches))
        return probabilities.map { Prediction(label: WeightOps.argmax($0), probabilities: $0) }
    }
}
