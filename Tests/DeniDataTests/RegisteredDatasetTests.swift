import DeniCore
import Foundation
import XCTest
@testable import DeniData

/// The registered datasets against the counts in each folder's SOURCE.md (skipped when data/ is absent).
final class RegisteredDatasetTests: XCTestCase {
    let dataDirectory = ProjectPaths.data()

    func load(_ key: String) throws -> Dataset {
        let info = try XCTUnwrap(DatasetRegistry.info(key))
        guard info.isPresent(in: dataDirectory) else { throw XCTSkip("dataset \(key) not present in \(dataDirectory.path)") }
        return try DatasetRegistry.load(key, dataDirectory: dataDirectory, options: LoadOptions())
    }

    /// Per-class counts of each part, in part order.
    func counts(_ d: Dataset) -> [[Int]] { d.parts.map { d.classCounts(in: $0.range) } }

    func testSST2() throws {
        let d = try load("sst2")
        XCTAssertEqual(counts(d), [[29_780, 37_569], [428, 444], [912, 909]])
        XCTAssertEqual(d.maxLength, 50)
        XCTAssertEqual(d.examples[0].text, "hide new secretions from the parental units")
        XCTAssertEqual(d.examples.last, Example(text: "but here 's the real damn : it is n't funny , either .", label: 0))
    }

    func testCoLA() throws {
        let d = try load("cola")
        XCTAssertEqual(counts(d), [[2_528, 6_023], [162, 365], [162, 354]])
        XCTAssertEqual(d.maxLength, 25)
    }

    func testMRPC() throws {
        let d = try load("mrpc")
        XCTAssertEqual(d.parts.map(\.range.count), [3_668, 408, 1_725])
        XCTAssertEqual(d.classCounts(in: d.parts[2].range), [578, 1_147])
        XCTAssertTrue(d.examples.allSatisfy { $0.pair != nil })
        XCTAssertEqual(d.examples[0].text.prefix(6), "Amrozi")
        XCTAssertEqual(d.defaultPairMode, .singleSequence)
    }

    func testTREC() throws {
        let d = try load("trec")
        XCTAssertEqual(counts(d), [[86, 1_162, 1_250, 1_223, 835, 896], [9, 138, 94, 65, 81, 113]])
        XCTAssertTrue(d.examples.contains { $0.text.contains("sister\u{F0}city") }, "Latin-1 byte read as ð")
        let split = try makeProtocolSplit(d, seeds: Seeds(all: 42), options: ProtocolOptions())
        XCTAssertEqual(split.train.count, 911)
        XCTAssertEqual(split.perClassTrainCounts, [76, 167, 167, 167, 167, 167])
        XCTAssertEqual(split.test.count, 1_190)
        print("TREC protocol: \(split.train.count) training samples; \(split.capReport)")
    }

    func testAGNews() throws {
        let d = try load("ag_news")
        XCTAssertEqual(counts(d), [[2_000, 2_000, 2_000, 2_000], [1_900, 1_900, 1_900, 1_900]])
        XCTAssertFalse(d.examples.contains { $0.text.contains("\\") })
        XCTAssertTrue(d.examples[8_000].text.hasPrefix("Unions representing workers"), "description only: \(d.examples[8_000].text)")
    }

    func testSNIPS() throws {
        let d = try load("snips")
        XCTAssertEqual(counts(d)[0], [1_818, 1_881, 1_896, 1_914, 1_876, 1_847, 1_852])
        XCTAssertEqual(counts(d)[2], [124, 92, 104, 86, 80, 107, 107])
        XCTAssertEqual(d.parts[1].range.count, 700)
    }

    func testDBpedia() throws {
        let d = try load("dbpedia")
        XCTAssertEqual(counts(d), [[Int](repeating: 900, count: 14), [Int](repeating: 50, count: 14), [Int](repeating: 50, count: 14)])
    }

    func testBoolQ() throws {
        let d = try load("boolq")
        XCTAssertEqual(d.classCounts(), [1_237, 2_033])
        XCTAssertEqual(d.examples[0].text, "does ethanol take more energy make that produces")
        XCTAssertEqual(d.examples[0].label, 0)
        XCTAssertNotNil(d.examples[0].pair)
        XCTAssertEqual(d.defaultPairMode, .bertPair)
        XCTAssertEqual(d.maxLength, 128)
        XCTAssertThrowsError(try makeProtocolSplit(d, seeds: Seeds(), options: ProtocolOptions(keepOfficialSplit: true)))
    }

    func testMissingDatasetSaysWhatToPutWhere() throws {
        let dir = try TemporaryFolder()
        assertDataError(try DatasetRegistry.load("trec", dataDirectory: dir.url, options: LoadOptions()),
                        file: "trec", line: nil, problem: "put these files into \(dir.url.path)/trec/: train_5500.label")
        for info in DatasetRegistry.all {
            let message = info.missingMessage(dataDirectory: dir.url)
            for f in info.files { XCTAssertTrue(message.contains(" \(f.pathInFolder) ("), message) }
        }
    }

    func testCatalogRows() throws {
        let dir = try TemporaryFolder()
        let rows = DatasetCatalog.rows(dataDirectory: dir.url)
        XCTAssertEqual(rows.map(\.key), DatasetRegistry.all.map(\.key))
        XCTAssertTrue(rows.allSatisfy { !$0.present && $0.missing != nil && $0.splits.allSatisfy { $0.documented } })
        guard DatasetRegistry.info("trec")!.isPresent(in: dataDirectory) else { throw XCTSkip("data not present") }
        let trec = try XCTUnwrap(DatasetCatalog.rows(dataDirectory: dataDirectory).first { $0.key == "trec" })
        XCTAssertTrue(trec.present)
        XCTAssertEqual(trec.pooled, 5_952)
        XCTAssertEqual(trec.classCounts, [95, 1_300, 1_344, 1_288, 916, 1_009])
    }

    /// Loading SST-2 (70,042 rows): prints the time; no assertion on it (the figure depends on the build).
    func testSST2LoadTime() throws {
        _ = try load("sst2")
        let start = DispatchTime.now().uptimeNanoseconds
        let d = try load("sst2")
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print(String(format: "SST-2 load: %d rows in %.3f s", d.examples.count, seconds))
        XCTAssertEqual(d.examples.count, 70_042)
    }
}
