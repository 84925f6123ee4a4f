import DeniCore
import XCTest
@testable import DeniData

final class AugmenterTests: XCTestCase {
    func augmenter() throws -> Augmenter {
        guard FileManager.default.fileExists(atPath: WordNet.defaultDirectory.appendingPathComponent("index.noun").path) else {
            throw XCTSkip("WordNet (Debian wordnet-base) is not installed")
        }
        return try Augmenter()
    }

    func testWordNetSynonyms() throws {
        let wn = try augmenter().wordnet
        let dog = wn.synonyms(of: "dog")
        XCTAssertTrue(dog.contains("domestic dog"), "\(dog)")
        XCTAssertFalse(dog.contains("dog"))
        XCTAssertTrue(wn.synonyms(of: "dogs").contains("domestic dog"), "suffix rule dogs → dog")
        XCTAssertTrue(wn.synonyms(of: "happy").contains("felicitous"), "\(wn.synonyms(of: "happy"))")
        XCTAssertTrue(wn.synonyms(of: "Quickly").contains("rapidly"))
        XCTAssertEqual(wn.synonyms(of: "qzxv"), [])
        XCTAssertEqual(wn.synonyms(of: ""), [])
        // First and last lemmas of the noun index (binary search bounds).
        XCTAssertNotNil(wn.synonyms(of: "zyrian"))
    }

    func testDeterministicForAStreamAndLabelsKept() throws {
        let a = try augmenter()
        let example = Example(text: "The quick brown fox jumps over the lazy dog near the old river bank.", pair: "A happy child runs.", label: 3)
        for seed in 0..<20 as Range<UInt64> {
            var s1 = Seeds(all: seed).stream(.sample).substream(augmentationSubstream)
            var s2 = s1
            let x = a.augment(example, copies: 3, stream: &s1)
            let y = a.augment(example, copies: 3, stream: &s2)
            XCTAssertEqual(x, y)
            XCTAssertEqual(x.count, 3)
            XCTAssertTrue(x.allSatisfy { $0.label == 3 && $0.pair != nil })
            XCTAssertTrue(x.contains { $0.text != example.text }, "seed \(seed): \(x)")
        }
        var s3 = RandomStream(key: 1), s4 = RandomStream(key: 2)
        let many = (0..<5).map { _ in a.augment(example.text, copies: 1, stream: &s3)[0] }
        let other = (0..<5).map { _ in a.augment(example.text, copies: 1, stream: &s4)[0] }
        XCTAssertNotEqual(many, other)
    }

    func testEachOperation() throws {
        let a = try augmenter()
        let words = "the happy dog quickly crossed the big road".split(separator: " ").map(String.init)
        var s = RandomStream(key: 7)
        let swapped = a.apply(.randomSwap, to: words, stream: &s)
        XCTAssertEqual(swapped.sorted(), words.sorted())
        XCTAssertNotEqual(swapped, words)
        let inserted = a.apply(.randomInsertion, to: words, stream: &s)
        XCTAssertEqual(inserted.count, words.count + 1)
        let replaced = a.apply(.synonymReplacement, to: words, stream: &s)
        XCTAssertEqual(replaced.count, words.count)
        XCTAssertEqual(zip(replaced, words).filter { $0 != $1 }.count, 1)
        for _ in 0..<50 {
            let deleted = a.apply(.randomDeletion, to: words, stream: &s)
            XCTAssertTrue((1...words.count).contains(deleted.count))
        }
        XCTAssertEqual(a.apply(.randomDeletion, to: ["one"], stream: &s), ["one"])
        XCTAssertEqual(Augmenter.splitPunctuation("(dog),").core, "dog")
        XCTAssertEqual(Augmenter.splitPunctuation("(dog),").suffix, "),")
    }

    func testProtocolAugmentationKeepsLabelsAndIsReproducible() throws {
        let a = try augmenter()
        let texts = ["a happy movie with great actors", "a sad film about an old house", "the team won the big game",
                     "stocks fell sharply on monday", "the new phone has a large screen", "rain is expected in the city"]
        var examples: [Example] = []
        for i in 0..<60 { examples.append(Example(text: texts[i % 6] + " \(i)", label: i % 3)) }
        let d = Dataset(name: "aug", classNames: ["a", "b", "c"], examples: examples, maxLength: 25,
                        parts: [DatasetPart(name: "all", role: .train, file: "x", range: 0..<60)])
        let options = ProtocolOptions(trainSamples: 12, augmentCopies: 2)
        let split = try makeProtocolSplit(d, seeds: Seeds(all: 3), options: options, augmenter: a)
        XCTAssertEqual(split.augmentedCount, 24)
        XCTAssertEqual(split.originalTrainCount, 12)
        for (k, i) in split.trainIndices.enumerated() {
            XCTAssertEqual(split.train[k], examples[i])
            XCTAssertEqual(split.train[12 + 2 * k].label, examples[i].label)
            XCTAssertEqual(split.train[12 + 2 * k + 1].label, examples[i].label)
        }
        let again = try makeProtocolSplit(d, seeds: Seeds(all: 3), options: options, augmenter: a)
        XCTAssertEqual(again.train, split.train)
        // Varying a factor other than sample leaves the augmented set unchanged.
        var s = Seeds(all: 3); s.noise = 77; s.order = 5
        XCTAssertEqual(try makeProtocolSplit(d, seeds: s, options: options, augmenter: a).train, split.train)
    }

    func testMissingWordNetNamesThePackage() throws {
        let dir = try TemporaryFolder()
        XCTAssertThrowsError(try Augmenter(wordnetDirectory: dir.url)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("wordnet-base"), text)
            XCTAssertTrue(text.contains("index.noun"), text)
        }
    }
}
