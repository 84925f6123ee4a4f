import DeniCore

/// The paper's experiment protocol: pooled stratified 80/20 split, class-balanced training sample, fixed
/// evaluation subsample (METHOD.md, "Paper protocol").
///
/// Randomness: the split draws from `seeds.stream(.split)`; the training sample from `seeds.stream(.sample)`;
/// the evaluation subsample from `seeds.stream(.split).substream(evalSubsetSubstream)` and augmentation from
/// `seeds.stream(.sample).substream(augmentationSubstream)`, one further substream per example. Substreams
/// derive from a stream's key only, so no draw shifts another factor: the split never depends on the sample
/// seed, and the evaluation subsample consumes no training randomness. Augmentation belongs to the sample
/// factor because it decides which training texts exist (like the paper's fixed paraphrases): runs that vary
/// only init/order/dropout/noise see the same augmented set.

/// Substream index of the split stream that picks the evaluation subsample ("EVAL").
public let evalSubsetSubstream: UInt64 = 0x4556_414C
/// Substream index of the sample stream that drives augmentation ("AUGM").
public let augmentationSubstream: UInt64 = 0x4155_474D
/// Test examples every class needs: a class without any has no F1, and a macro-F1 over it would report 0.00
/// for a file that was merely too small.
public let minimumTestExamplesPerClass = 1

public struct ProtocolOptions: Sendable, Hashable, Codable {
    /// N: the training set has ceil(N/C) examples per class, capped at what a class has.
    public var trainSamples = 1000
    /// Size of the fixed, stratified test subsample for live curves (0: none; capped at the test size).
    public var evalSubsample = 300
    /// Use the official train/test split instead of the pooled 80/20 split. Nil: the dataset's default
    /// (true only for a user's separate train and test files). The test set is the official test split,
    /// or the validation splits where the test labels are not public (CoLA).
    public var keepOfficialSplit: Bool? = nil
    /// How sentence pairs are formed. Nil: the dataset's default (the paper's single sequence; BoolQ a BERT pair).
    public var pairMode: PairMode? = nil
    /// Share of each class that goes to the test set when the splits are pooled.
    public var testFraction = 0.2
    /// Augmented copies added per training example (the Augment strategies' k); needs an `Augmenter`.
    public var augmentCopies = 0

    public init(trainSamples: Int = 1000, evalSubsample: Int = 300, keepOfficialSplit: Bool? = nil,
                pairMode: PairMode? = nil, testFraction: Double = 0.2, augmentCopies: Int = 0) {
        self.trainSamples = trainSamples; self.evalSubsample = evalSubsample
        self.keepOfficialSplit = keepOfficialSplit; self.pairMode = pairMode
        self.testFraction = testFraction; self.augmentCopies = augmentCopies
    }
}

/// The examples one run trains and is tested on.
public struct ProtocolSplit: Sendable {
    /// The class-balanced sample in dataset order, then (with augmentation) every example's copies, in the
    /// same order; the pair mode is applied.
    public var train: [Example]
    /// The whole test part (20 % of the pool, or the official test split), in dataset order.
    public var test: [Example]
    /// Indices into `test` of the fixed evaluation subsample, ascending.
    public var evalSubset: [Int]
    /// Sampled (original) training examples per class.
    public var perClassTrainCounts: [Int]
    /// True when some class had fewer than ceil(N/C) examples to give.
    public var capped: Bool
    /// Which classes were capped and the resulting size, e.g. "ABBR has only 76 … → 911 training samples";
    /// empty when not capped.
    public var capReport: String
    /// ceil(N/C).
    public var requestedPerClass: Int
    /// Per class: examples available for sampling (the 80 % part, or the official train split).
    public var trainPoolCounts: [Int]
    /// Indices into `Dataset.examples` of the sampled training examples (ascending) and of the test set.
    public var trainIndices: [Int]
    public var testIndices: [Int]
    /// Number of augmented copies at the end of `train`.
    public var augmentedCount: Int
    public var pairMode: PairMode
    public var usedOfficialSplit: Bool

    /// Sampled examples before augmentation.
    public var originalTrainCount: Int { train.count - augmentedCount }
}

/// Applies the protocol to `dataset` with `seeds` (split and sample factors; see the file's doc comment).
/// Throws a `DataError` naming the dataset for impossible requests: N < 1 or larger than the whole training
/// pool, a test fraction outside (0, 1), a kept official split that does not exist, augmentation without
/// an augmenter.
public func makeProtocolSplit(_ dataset: Dataset, seeds: Seeds, options: ProtocolOptions,
                              augmenter: Augmenter? = nil) throws(DataError) -> ProtocolSplit {
    let name = dataset.name
    let classCount = dataset.classCount
    guard options.trainSamples >= 1 else { throw DataError(file: name, "training samples must be at least 1 (got \(options.trainSamples))") }
    guard options.testFraction > 0 && options.testFraction < 1 else {
        throw DataError(file: name, "test fraction must be between 0 and 1 exclusive (got \(options.testFraction))")
    }
    guard options.evalSubsample >= 0 else { throw DataError(file: name, "evaluation subsample must be ≥ 0 (got \(options.evalSubsample))") }
    guard options.augmentCopies >= 0 else { throw DataError(file: name, "augmented copies must be ≥ 0 (got \(options.augmentCopies))") }
    if options.augmentCopies > 0 && augmenter == nil {
        throw DataError(file: name, "\(options.augmentCopies) augmented copies requested but no augmenter (WordNet) was given")
    }

    // 1. Train pool and test set, as per-class index lists.
    let official = options.keepOfficialSplit ?? dataset.keepsOfficialSplitByDefault
    var pool = [[Int]](repeating: [], count: classCount)
    var testIndices: [Int] = []
    if official {
        let train = dataset.indices(role: .train)
        var test = dataset.indices(role: .test)
        if test.isEmpty { test = dataset.indices(role: .validation) }
        guard !train.isEmpty else { throw DataError(file: name, "has no official training split here, so the official split cannot be kept; pool the splits instead") }
        guard !test.isEmpty else { throw DataError(file: name, "has no official test or validation split, so the official split cannot be kept") }
        for i in train { pool[dataset.examples[i].label].append(i) }
        testIndices = test
    } else {
        var byClass = [[Int]](repeating: [], count: classCount)
        for (i, e) in dataset.examples.enumerated() { byClass[e.label].append(i) }
        let total = dataset.examples.count
        let testTotal = Int((Double(total) * options.testFraction).rounded())
        let testCounts = proportionalAllocation(byClass.map(\.count), total: testTotal)
        var split = seeds.stream(.split)
        for c in 0..<classCount {
            var members = byClass[c]
            split.shuffle(&members)
            testIndices += members[..<testCounts[c]]
            pool[c] = Array(members[testCounts[c]...])
        }
        testIndices.sort()
    }

    var testPerClass = [Int](repeating: 0, count: classCount)
    for i in testIndices { testPerClass[dataset.examples[i].label] += 1 }
    if let c = testPerClass.firstIndex(where: { $0 < minimumTestExamplesPerClass }) {
        let source = official ? "the test file" : "\(Int((options.testFraction * 100).rounded())) % of its \(testPerClass[c] + pool[c].count) example(s)"
        throw DataError(file: name, "class '\(dataset.classNames[c])' has \(testPerClass[c]) test example(s) (\(source)); every class needs at least \(minimumTestExamplesPerClass) to be scored — add rows of that class or give a separate test file")
    }

    // 2. Class-balanced sample: ceil(N/C) per class, capped at the class's pool.
    let poolCounts = pool.map(\.count)
    let poolTotal = poolCounts.reduce(0, +)
    guard options.trainSamples <= poolTotal else {
        throw DataError(file: name, "\(options.trainSamples) training samples requested but the training pool (\(official ? "official train split" : "\(Int(((1 - options.testFraction) * 100).rounded())) % of the pooled data")) has only \(poolTotal) examples")
    }
    let perClass = (options.trainSamples + classCount - 1) / classCount
    var sample = seeds.stream(.sample)
    var trainIndices: [Int] = []
    var perClassCounts = [Int](repeating: 0, count: classCount)
    var cappedNotes: [String] = []
    for c in 0..<classCount {
        var members = pool[c]
        sample.shuffle(&members)
        let k = min(perClass, members.count)
        perClassCounts[c] = k
        trainIndices += members[..<k]
        if k < perClass { cappedNotes.append("\(dataset.classNames[c]) has only \(k)") }
    }
    trainIndices.sort()
    let capReport = cappedNotes.isEmpty ? "" :
        "\(name): \(cappedNotes.joined(separator: ", ")) training examples (wanted \(perClass) per class) → \(trainIndices.count) training samples instead of \(perClass * classCount)"

    // 3. The fixed evaluation subsample: stratified over the test classes, drawn from a substream of the split seed.
    var evalSubset: [Int] = []
    let evalSize = min(options.evalSubsample, testIndices.count)
    if evalSize > 0 {
        var positionsByClass = [[Int]](repeating: [], count: classCount)
        for (position, i) in testIndices.enumerated() { positionsByClass[dataset.examples[i].label].append(position) }
        let quota = proportionalAllocation(positionsByClass.map(\.count), total: evalSize)
        var evalStream = seeds.stream(.split).substream(evalSubsetSubstream)
        for c in 0..<classCount {
            var positions = positionsByClass[c]
            evalStream.shuffle(&positions)
            evalSubset += positions[..<quota[c]]
        }
        evalSubset.sort()
    }

    // 4. Pair mode and augmentation.
    let pairMode = options.pairMode ?? dataset.defaultPairMode
    var train = trainIndices.map { pairMode.apply(dataset.examples[$0]) }
    var augmented = 0
    if let augmenter, options.augmentCopies > 0 {
        let base = seeds.stream(.sample).substream(augmentationSubstream)
        for i in trainIndices {
            var stream = base.substream(UInt64(i))
            for copy in augmenter.augment(dataset.examples[i], copies: options.augmentCopies, stream: &stream) {
                train.append(pairMode.apply(copy))
                augmented += 1
            }
        }
    }
    return ProtocolSplit(train: train, test: testIndices.map { pairMode.apply(dataset.examples[$0]) },
                         evalSubset: evalSubset, perClassTrainCounts: perClassCounts, capped: !cappedNotes.isEmpty,
                         capReport: capReport, requestedPerClass: perClass, trainPoolCounts: poolCounts,
                         trainIndices: trainIndices, testIndices: testIndices, augmentedCount: augmented,
                         pairMode: pairMode, usedOfficialSplit: official)
}
