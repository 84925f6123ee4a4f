import DeniCore
import DeniData
import DeniModel
import DeniTraining
import Foundation

/// A dataset after the protocol and the tokenizer: what every run of an experiment trains and tests on.
public struct PreparedData: Sendable {
    public var dataset: Dataset
    public var split: ProtocolSplit
    public var train: [EncodedExample]
    public var test: [EncodedExample]
    public var evalSubset: [EncodedExample]
    /// Augmented training sets, keyed by copies per example (Augment strategies).
    public var augmented: [Int: [EncodedExample]] = [:]
    public var maxLength: Int
    public var classCount: Int { dataset.classNames.count }

    /// Loads, splits (split and sample seeds of `seeds`) and tokenizes.
    public static func make(config: ExperimentConfig, seeds: Seeds, dataDirectory: URL, tokenizer: BertTokenizer) throws -> PreparedData {
        let dataset = try DatasetRegistry.load(config.dataset, dataDirectory: dataDirectory, options: config.data)
        let options = ProtocolOptions(trainSamples: config.trainSamples, evalSubsample: config.evalSubsample)
        let split = try makeProtocolSplit(dataset, seeds: seeds, options: options)
        let maxLength = config.maxLength ?? dataset.maxLength
        func encode(_ examples: [Example]) -> [EncodedExample] { Self.encode(examples, tokenizer: tokenizer, maxLength: maxLength) }
        var data = PreparedData(dataset: dataset, split: split, train: encode(split.train), test: encode(split.test),
                                evalSubset: encode(split.evalSubset.map { split.test[$0] }), maxLength: maxLength)
        let copies = Set(config.strategies.compactMap(\.settings.augmentCopies))
        if !copies.isEmpty {
            let augmenter = try Augmenter()
            for k in copies {
                let augmentedSplit = try makeProtocolSplit(dataset, seeds: seeds, options: ProtocolOptions(
                    trainSamples: config.trainSamples, evalSubsample: config.evalSubsample, augmentCopies: k), augmenter: augmenter)
                data.augmented[k] = encode(augmentedSplit.train)
            }
        }
        return data
    }

    /// Tokenizes `examples` as runs do (text and second text, truncated to `maxLength` tokens); `deni predict` too.
    public static func encode(_ examples: [Example], tokenizer: BertTokenizer, maxLength: Int) -> [EncodedExample] {
        examples.map { e in
            let enc = tokenizer.encode(e.text, pair: e.pair, maxLength: maxLength)
            return EncodedExample(ids: enc.ids, typeIDs: enc.typeIDs, label: e.label)
        }
    }
}
