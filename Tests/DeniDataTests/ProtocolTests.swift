import DeniCore
import XCTest
@testable import DeniData

/// Properties of the protocol split over many random datasets and seeds.
final class ProtocolTests: XCTestCase {
    /// A dataset with `counts[c]` examples of class c, interleaved, texts unique ("c<class>-<n>").
    func synthetic(_ counts: [Int], pairs: Bool = false, parts: [DatasetPart]? = nil) -> Dataset {
        var examples: [Example] = []
        var left = counts, n = 0
        while left.contains(where: { $0 > 0 }) {
            for c in counts.indices where left[c] > 0 {
                examples.append(Example(text: "c\(c)-\(n)", pair: pairs ? "second \(n)" : nil, label: c))
                left[c] -= 1; n += 1
            }
        }
        return Dataset(name: "synthetic", classNames: counts.indices.map { "class\($0)" }, examples: examples, maxLength: 25,
                       parts: parts ?? [DatasetPart(name: "all", role: .train, file: "x", range: 0..<examples.count)])
    }

    func randomCounts(_ rng: inout RandomStream) -> [Int] {
        (0..<(2 + rng.nextInt(below: 6))).map { _ in 5 + rng.nextInt(below: 400) }
    }

    func testStratificationIsExactAndSetsAreDisjoint() throws {
        var rng = RandomStream(key: 1)
        for trial in 0..<40 {
            let counts = randomCounts(&rng)
            let d = synthetic(counts)
            let seeds = Seeds(split: UInt64(trial), sample: UInt64(trial * 7))
            let n = counts.reduce(0, +)
            let split = try makeProtocolSplit(d, seeds: seeds, options: ProtocolOptions(trainSamples: min(100, n / 2)))
            var testPerClass = [Int](repeating: 0, count: counts.count)
            for e in split.test { testPerClass[e.label] += 1 }
            XCTAssertEqual(split.test.count, Int((Double(n) * 0.2).rounded()))
            for c in counts.indices {
                let quota = Double(counts[c]) * 0.2
                XCTAssertTrue(testPerClass[c] == Int(quota.rounded(.down)) || testPerClass[c] == Int(quota.rounded(.up)),
                              "class \(c): \(testPerClass[c]) of \(counts[c])")
                XCTAssertEqual(split.trainPoolCounts[c], counts[c] - testPerClass[c])
            }
            XCTAssertTrue(Set(split.trainIndices).isDisjoint(with: split.testIndices))
            XCTAssertTrue(Set(split.train.map(\.text)).isDisjoint(with: split.test.map(\.text)))
            XCTAssertEqual(Set(split.testIndices).count, split.testIndices.count)
            XCTAssertEqual(split.trainIndices, split.trainIndices.sorted())
        }
    }

    func testClassBalancedCountsAndCapReport() throws {
        var rng = RandomStream(key: 2)
        for trial in 0..<40 {
            let counts = randomCounts(&rng)
            let d = synthetic(counts)
            let pool = counts.reduce(0, +) - Int((Double(counts.reduce(0, +)) * 0.2).rounded())
            let n = 1 + rng.nextInt(below: pool)
            let split = try makeProtocolSplit(d, seeds: Seeds(all: UInt64(trial)), options: ProtocolOptions(trainSamples: n))
            let perClass = (n + counts.count - 1) / counts.count
            XCTAssertEqual(split.requestedPerClass, perClass)
            var got = [Int](repeating: 0, count: counts.count)
            for e in split.train { got[e.label] += 1 }
            XCTAssertEqual(got, split.perClassTrainCounts)
            for c in counts.indices { XCTAssertEqual(got[c], min(perClass, split.trainPoolCounts[c])) }
            let capped = counts.indices.contains { split.trainPoolCounts[$0] < perClass }
            XCTAssertEqual(split.capped, capped)
            XCTAssertEqual(split.capReport.isEmpty, !capped)
        }
    }

    func testTRECLikeCap() throws {
        // TREC's pooled class sizes (train + test of SOURCE.md): ABBR 95 → 76 after the 80/20 split.
        let d = synthetic([95, 1300, 1344, 1288, 916, 1009])
        let split = try makeProtocolSplit(d, seeds: Seeds(all: 42), options: ProtocolOptions())
        XCTAssertEqual(split.perClassTrainCounts, [76, 167, 167, 167, 167, 167])
        XCTAssertEqual(split.train.count, 911)
        XCTAssertTrue(split.capped)
        XCTAssertTrue(split.capReport.contains("class0 has only 76"), split.capReport)
        XCTAssertTrue(split.capReport.contains("911"), split.capReport)
    }

    func testSameSeedSameSplitDifferentSeedDifferent() throws {
        let d = synthetic([300, 200, 120])
        let o = ProtocolOptions(trainSamples: 90)
        let a = try makeProtocolSplit(d, seeds: Seeds(all: 5), options: o)
        let b = try makeProtocolSplit(d, seeds: Seeds(all: 5), options: o)
        XCTAssertEqual(a.trainIndices, b.trainIndices)
        XCTAssertEqual(a.testIndices, b.testIndices)
        XCTAssertEqual(a.evalSubset, b.evalSubset)
        XCTAssertEqual(a.train, b.train)
        let otherSplit = try makeProtocolSplit(d, seeds: Seeds(split: 6, sample: 5), options: o)
        XCTAssertNotEqual(a.testIndices, otherSplit.testIndices)
        let otherSample = try makeProtocolSplit(d, seeds: Seeds(split: 5, sample: 6), options: o)
        XCTAssertNotEqual(a.trainIndices, otherSample.trainIndices)
    }

    func testSplitAndEvalSubsetUnaffectedBySampleOrOtherFactors() throws {
        let d = synthetic([250, 180, 90, 60])
        let base = Seeds(split: 11, sample: 3, initialization: 1, order: 2, dropout: 3, noise: 4)
        let reference = try makeProtocolSplit(d, seeds: base, options: ProtocolOptions(trainSamples: 100))
        for factor in RandomFactor.allCases where factor != .split {
            var s = base
            s[factor] = 999
            for n in [40, 100, 200] {
                let other = try makeProtocolSplit(d, seeds: s, options: ProtocolOptions(trainSamples: n))
                XCTAssertEqual(other.testIndices, reference.testIndices, "\(factor) changed the split")
                XCTAssertEqual(other.evalSubset, reference.evalSubset, "\(factor) changed the evaluation subsample")
                XCTAssertEqual(other.trainPoolCounts, reference.trainPoolCounts)
                if factor != .sample && n == 100 { XCTAssertEqual(other.trainIndices, reference.trainIndices, "\(factor) changed the sample") }
            }
        }
    }

    func testEvalSubsetIsStratifiedSizedAndInsideTest() throws {
        let d = synthetic([500, 300, 100, 50])
        for size in [0, 1, 37, 300, 10_000] {
            let split = try makeProtocolSplit(d, seeds: Seeds(all: 9), options: ProtocolOptions(trainSamples: 100, evalSubsample: size))
            XCTAssertEqual(split.evalSubset.count, min(size, split.test.count))
            XCTAssertEqual(Set(split.evalSubset).count, split.evalSubset.count)
            XCTAssertTrue(split.evalSubset.allSatisfy { split.test.indices.contains($0) })
            var testCounts = [Int](repeating: 0, count: 4), evalCounts = testCounts
            for e in split.test { testCounts[e.label] += 1 }
            for i in split.evalSubset { evalCounts[split.test[i].label] += 1 }
            let m = split.evalSubset.count, t = split.test.count
            for c in 0..<4 {
                let quota = Double(testCounts[c] * m) / Double(t)
                XCTAssertTrue(evalCounts[c] == Int(quota.rounded(.down)) || evalCounts[c] == Int(quota.rounded(.up)))
            }
        }
    }

    func testOfficialSplitKept() throws {
        let parts = [DatasetPart(name: "train", role: .train, file: "a", range: 0..<300),
                     DatasetPart(name: "dev", role: .validation, file: "b", range: 300..<350),
                     DatasetPart(name: "test", role: .test, file: "c", range: 350..<400)]
        let d = synthetic([200, 200], parts: parts)
        let split = try makeProtocolSplit(d, seeds: Seeds(all: 1), options: ProtocolOptions(trainSamples: 100, keepOfficialSplit: true))
        XCTAssertEqual(split.testIndices, Array(350..<400))
        XCTAssertTrue(split.trainIndices.allSatisfy { $0 < 300 })
        XCTAssertEqual(split.perClassTrainCounts, [50, 50])
        XCTAssertTrue(split.usedOfficialSplit)
        // Without a test split the validation splits are the test set; without a train split it fails.
        let noTest = synthetic([200, 200], parts: Array(parts.prefix(2)))
        XCTAssertEqual(try makeProtocolSplit(noTest, seeds: Seeds(), options: ProtocolOptions(trainSamples: 10, keepOfficialSplit: true)).testIndices, Array(300..<350))
        let devOnly = synthetic([20, 20], parts: [DatasetPart(name: "dev", role: .validation, file: "d", range: 0..<40)])
        assertDataError(try makeProtocolSplit(devOnly, seeds: Seeds(), options: ProtocolOptions(trainSamples: 10, keepOfficialSplit: true)),
                        file: "synthetic", line: nil, problem: "no official training split")
    }

    func testPairModes() throws {
        let d = synthetic([50, 50], pairs: true)
        let single = try makeProtocolSplit(d, seeds: Seeds(), options: ProtocolOptions(trainSamples: 20))
        XCTAssertTrue(single.train.allSatisfy { $0.pair == nil && $0.text.hasPrefix("Sentence 1: c") && $0.text.contains("; Sentence 2: second ") })
        XCTAssertTrue(single.test.allSatisfy { $0.pair == nil })
        let pair = try makeProtocolSplit(d, seeds: Seeds(), options: ProtocolOptions(trainSamples: 20, pairMode: .bertPair))
        XCTAssertTrue(pair.train.allSatisfy { $0.pair != nil && !$0.text.hasPrefix("Sentence") })
        XCTAssertEqual(pair.trainIndices, single.trainIndices)
    }

    func testImpossibleRequests() {
        let d = synthetic([30, 20])
        assertDataError(try makeProtocolSplit(d, seeds: Seeds(), options: ProtocolOptions(trainSamples: 41)),
                        file: "synthetic", line: nil, problem: "41 training samples requested but the training pool")
        XCTAssertNoThrow(try makeProtocolSplit(d, seeds: Seeds(), options: ProtocolOptions(trainSamples: 40)))
        assertDataError(try makeProtocolSplit(d, seeds: Seeds(), options: ProtocolOptions(trainSamples: 0)), file: "synthetic", line: nil, problem: "at least 1")
        assertDataError(try makeProtocolSplit(d, seeds: Seeds(), options: ProtocolOptions(testFraction: 1)), file: "synthetic", line: nil, problem: "test fraction")
        assertDataError(try makeProtocolSplit(d, seeds: Seeds(), options: ProtocolOptions(trainSamples: 10, augmentCopies: 1)),
                        file: "synthetic", line: nil, problem: "no augmenter")
    }

    /// A file too small for a test split is refused, naming the class (today's main trained on it and reported
    /// macro-F1 0.00 with exit status 0).
    func testEveryClassNeedsATestExample() {
        assertDataError(try makeProtocolSplit(synthetic([4, 1]), seeds: Seeds(), options: ProtocolOptions(trainSamples: 2)),
                        file: "synthetic", line: nil, problem: "class 'class1' has 0 test example(s) (20 % of its 1 example(s)); every class needs at least 1")
        let official = synthetic([6, 6], parts: [DatasetPart(name: "train", role: .train, file: "a", range: 0..<10),
                                                 DatasetPart(name: "test", role: .test, file: "b", range: 10..<12)])
        XCTAssertNoThrow(try makeProtocolSplit(official, seeds: Seeds(), options: ProtocolOptions(trainSamples: 4, keepOfficialSplit: true)))
        let oneSided = synthetic([6, 6], parts: [DatasetPart(name: "train", role: .train, file: "a", range: 0..<11),
                                                 DatasetPart(name: "test", role: .test, file: "b", range: 11..<12)])
        assertDataError(try makeProtocolSplit(oneSided, seeds: Seeds(), options: ProtocolOptions(trainSamples: 4, keepOfficialSplit: true)),
                        file: "synthetic", line: nil, problem: "class 'class0' has 0 test example(s) (the test file)")
        XCTAssertNoThrow(try makeProtocolSplit(synthetic([5, 5]), seeds: Seeds(), options: ProtocolOptions(trainSamples: 4)))
    }

    func testProportionalAllocation() {
        XCTAssertEqual(proportionalAllocation([95, 1300], total: 279), [19, 260])
        XCTAssertEqual(proportionalAllocation([1, 1, 1], total: 2), [1, 1, 0])
        XCTAssertEqual(proportionalAllocation([0, 5], total: 5), [0, 5])
        XCTAssertEqual(proportionalAllocation([3, 3], total: 0), [0, 0])
    }
}
