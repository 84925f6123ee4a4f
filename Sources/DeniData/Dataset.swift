/// A labelled text-classification dataset in memory.

/// One labelled example: a text, or a text pair (`pair` holds the second text), and a class index.
public struct Example: Sendable, Hashable, Codable {
    public var text: String
    /// The second text of a sentence pair (MRPC's second sentence, BoolQ's passage); nil for single texts.
    public var pair: String?
    /// Index into the dataset's `classNames`.
    public var label: Int

    public init(text: String, pair: String? = nil, label: Int) {
        self.text = text; self.pair = pair; self.label = label
    }
}

/// How a sentence pair reaches the model.
public enum PairMode: String, Sendable, Codable, CaseIterable {
    /// The paper's form: one sequence "Sentence 1: A; Sentence 2: B" (`pair` becomes nil).
    case singleSequence
    /// A BERT pair: [CLS] A [SEP] B [SEP] with segment ids 0 and 1 (`pair` is kept).
    case bertPair

    /// `example` in this form; single texts are unchanged.
    public func apply(_ example: Example) -> Example {
        guard self == .singleSequence, let second = example.pair else { return example }
        return Example(text: "Sentence 1: \(example.text); Sentence 2: \(second)", pair: nil, label: example.label)
    }
}

/// The role an official split plays.
public enum SplitRole: String, Sendable, Codable, CaseIterable {
    case train, validation, test
}

/// One official split of a dataset: a contiguous run of `Dataset.examples` read from one file.
public struct DatasetPart: Sendable, Hashable, Codable {
    /// The split's usual name ("train", "dev", "test", "in_domain_dev", …).
    public var name: String
    public var role: SplitRole
    /// The file it was read from, relative to the dataset folder for registered datasets.
    public var file: String
    /// Its examples: `examples[range]`.
    public var range: Range<Int>

    public init(name: String, role: SplitRole, file: String, range: Range<Int>) {
        self.name = name; self.role = role; self.file = file; self.range = range
    }
}

/// A dataset: every official split pooled in `examples`, with the split membership kept in `parts`.
public struct Dataset: Sendable {
    /// Registry key (trec, sst2, …) or the user file's name.
    public var name: String
    public var classNames: [String]
    /// All official splits, one after the other in `parts` order.
    public var examples: [Example]
    /// The paper's maximum sequence length in tokens (or the one chosen for this dataset).
    public var maxLength: Int
    /// Official split membership, so the protocol can keep the official split instead of pooling.
    public var parts: [DatasetPart]
    /// How sentence pairs are given to the model unless the protocol options say otherwise.
    public var defaultPairMode: PairMode
    /// True when the protocol should keep the official split unless told otherwise (a user's separate
    /// train and test files).
    public var keepsOfficialSplitByDefault: Bool
    /// Rows left out under `LoadOptions.skipBadRows` (count 0 when none).
    public var skipped: SkippedRows
    /// For a user's file, the columns (or JSON keys) its texts and labels were read from; nil for the registry's.
    public var columns: String?

    public init(name: String, classNames: [String], examples: [Example], maxLength: Int, parts: [DatasetPart],
                defaultPairMode: PairMode = .singleSequence, keepsOfficialSplitByDefault: Bool = false,
                skipped: SkippedRows = SkippedRows()) {
        self.name = name; self.classNames = classNames; self.examples = examples; self.maxLength = maxLength
        self.parts = parts; self.defaultPairMode = defaultPairMode
        self.keepsOfficialSplitByDefault = keepsOfficialSplitByDefault; self.skipped = skipped
    }

    public var classCount: Int { classNames.count }

    /// Whether any example is a sentence pair.
    public var hasPairs: Bool { examples.contains { $0.pair != nil } }

    /// Examples per class over `range` (all examples by default).
    public func classCounts(in range: Range<Int>? = nil) -> [Int] {
        var counts = [Int](repeating: 0, count: classNames.count)
        for e in examples[range ?? examples.indices] { counts[e.label] += 1 }
        return counts
    }

    /// Indices of the examples whose official split has `role`.
    public func indices(role: SplitRole) -> [Int] {
        parts.filter { $0.role == role }.flatMap { Array($0.range) }
    }
}
