import Foundation
import XCTest
@testable import DeniData

final class UserDataParsingTests: XCTestCase {
    func testCSVWithHeaderQuotedFieldsAndEmbeddedNewlines() throws {
        let dir = try TemporaryFolder()
        let csv = "id,text,label\r\n" + "1,\"good, really \"\"good\"\"\",pos\r\n"
            + "2,\"line one\nline two\",neg\r\n" + "3,plain text,pos\r\n\n"
        let path = try dir.write("reviews.csv", csv)
        let d = try loadUser(path)
        XCTAssertEqual(d.classNames, ["neg", "pos"])
        XCTAssertEqual(d.examples.map(\.text), ["good, really \"good\"", "line one\nline two", "plain text"])
        XCTAssertEqual(d.examples.map(\.label), [1, 0, 1])
        XCTAssertEqual(d.parts.map(\.range), [0..<3])
        XCTAssertEqual(d.maxLength, 50)
        XCTAssertFalse(d.keepsOfficialSplitByDefault)
    }

    /// The preview Setup shows for a user's file: the columns (or JSON keys) it was read from, with or without a
    /// header, the classes with their counts and the first rows.
    func testPreviewNamesTheColumnsReadAndCountsTheClasses() throws {
        let dir = try TemporaryFolder()
        let csv = try loadUser(try dir.write("reviews.csv", "id,sentence,label\n1,good one,pos\n2,bad one,neg\n3,fine one,pos\n"))
        let p = csv.preview(rows: 2)
        XCTAssertEqual(p.columns, "text 'sentence' (column 1) · label 'label' (column 2)")
        XCTAssertEqual(p.classNames, ["neg", "pos"])
        XCTAssertEqual(p.classCounts, [1, 2])
        XCTAssertEqual(p.firstRows.map(\.text), ["good one", "bad one"])
        XCTAssertEqual(p.examples, 3)
        XCTAssertEqual(p.parts, "all 3")
        let tsv = try loadUser(try dir.write("data.tsv", "10\ta much longer text here\n2\tshort text\n10\tanother long sentence\n"))
        XCTAssertEqual(tsv.columns, "text column 1 · label column 0")
        let jsonl = try loadUser(try dir.write("pairs.jsonl", #"{"premise": "a b", "hypothesis": "c", "gold_label": "yes"}"# + "\n"
                                                + #"{"premise": "d e", "hypothesis": "f", "gold_label": "no"}"# + "\n"))
        XCTAssertEqual(jsonl.columns, "text key 'premise' · second text key 'hypothesis' · label key 'gold_label'")
    }

    func testTSVWithoutHeaderGuessesColumnsAndIntegerLabelsInNumericOrder() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("data.tsv", "10\ta much longer text here\n2\tshort text\n10\tanother long sentence\n")
        let d = try loadUser(path)
        XCTAssertEqual(d.classNames, ["2", "10"])  // numeric, not lexicographic, order
        XCTAssertEqual(d.examples.map(\.label), [1, 0, 1])
        XCTAssertEqual(d.examples[1].text, "short text")
    }

    /// Integer labels written two ways would become two classes for one number (one of them empty, lowering
    /// macro-F1): refused naming the spellings. One spelling per class keeps its own name.
    func testIntegerLabelsThatCollideAreRefused() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("labels.tsv", "text\tlabel\nfirst text here\t1\nsecond text here\t01\nthird text\t+1\nfourth one\t2\n")
        XCTAssertThrowsError(try loadUser(path)) { error in
            XCTAssertEqual("\(error)", "\(path): labels '+1', '01', '1' are the same integer 1 written differently; write each class one way")
        }
        let ok = try dir.write("padded.tsv", "text\tlabel\nfirst text here\t01\nsecond text here\t02\nthird text\t10\n")
        let d = try loadUser(ok)
        XCTAssertEqual(d.classNames, ["01", "02", "10"])
        XCTAssertEqual(d.examples.map(\.label), [0, 1, 2], "every row keeps its class (none read as unknown)")
    }

    func testAColumnCannotPlayTwoRoles() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("two.csv", "text,label\nsome words here,a\nother words,b\n")
        XCTAssertThrowsError(try loadUser(path) { $0.columns.text = .name("label") }) { error in
            XCTAssertTrue("\(error)".contains("the text and the label are both column 1 ('label'); each needs a column of its own"), "\(error)")
            XCTAssertTrue("\(error)".contains("two.csv"), "\(error)")
        }
        XCTAssertThrowsError(try loadUser(path) { $0.columns.pair = .name("text") }) { error in
            XCTAssertTrue("\(error)".contains("the text and the second text are both column 0 ('text')"), "\(error)")
        }
    }

    func testHeaderlessThreeColumnsPicksLabelAndLongestText() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("news.csv", """
            "3","Short title","A much longer description of the business news of the day."
            "1","World title","Another long description about events somewhere in the world."
            "3","Money","Shares rose on Monday after the company reported strong results."

            """)
        let d = try loadUser(path)
        XCTAssertEqual(d.classNames, ["1", "3"])
        XCTAssertEqual(d.examples.map(\.label), [1, 0, 1])
        XCTAssertTrue(d.examples[0].text.hasPrefix("A much longer"))
        XCTAssertEqual(ColumnRef(argument: "2"), .index(2))
        XCTAssertEqual(ColumnRef(argument: "label"), .name("label"))
    }

    func testHeaderDetectionAuto() throws {
        let dir = try TemporaryFolder()
        // Integer labels below a word: a header.
        let a = try dir.write("a.csv", "sentence,y\nfirst,0\nsecond,1\n")
        XCTAssertEqual(try loadUser(a).examples.count, 2)
        // A label value that recurs: data, not a header.
        let b = try dir.write("b.csv", "alpha beta,cat\ngamma delta,dog\nepsilon zeta,cat\n")
        let db = try loadUser(b) { $0.columns = ColumnMapping(text: .index(0), label: .index(1)) }
        XCTAssertEqual(db.examples.count, 3)
        // Explicit: header absent keeps the first row.
        let c = try dir.write("c.csv", "one two,x\nthree four,y\nfive six,x\n")
        let byIndex = ColumnMapping(text: .index(0), label: .index(1))
        XCTAssertEqual(try loadUser(c) { $0.header = .absent; $0.columns = byIndex }.examples.count, 3)
        XCTAssertEqual(try loadUser(c) { $0.header = .present; $0.columns = byIndex }.examples.count, 2, "a forced header drops the first row")
    }

    func testColumnMappingByNameWithPair() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("pairs.csv", "Quality,a,b\n1,The cat sat.,A cat was sitting.\n0,It rains.,The sun shines.\n")
        let d = try loadUser(path) { $0.columns = ColumnMapping(text: .name("a"), pair: .name("b"), label: .name("quality")) }
        XCTAssertEqual(d.examples[0], Example(text: "The cat sat.", pair: "A cat was sitting.", label: 1))
        XCTAssertEqual(d.maxLength, 128)
        XCTAssertEqual(PairMode.singleSequence.apply(d.examples[0]).text, "Sentence 1: The cat sat.; Sentence 2: A cat was sitting.")
        XCTAssertNil(PairMode.singleSequence.apply(d.examples[0]).pair)
        XCTAssertEqual(PairMode.bertPair.apply(d.examples[0]), d.examples[0])
    }

    func testUTF8WithBOMAndLatin1OnRequest() throws {
        let dir = try TemporaryFolder()
        let bom = try dir.write("bom.tsv", bytes: [0xEF, 0xBB, 0xBF] + Array("text\tlabel\ncrème brûlée\ta\nplain\tb\n".utf8))
        let d = try loadUser(bom)
        XCTAssertEqual(d.examples[0].text, "crème brûlée")
        XCTAssertEqual(d.classNames, ["a", "b"])
        // "sister\xF0city" as in TREC's train file: invalid UTF-8, valid Latin-1.
        let latin = try dir.write("latin.tsv", bytes: Array("text\tlabel\nsister".utf8) + [0xF0] + Array("city\ta\nother\tb\n".utf8))
        assertDataError(try loadUser(latin), file: "latin.tsv", line: 2, problem: "not valid UTF-8")
        let l = try loadUser(latin) { $0.encoding = .latin1 }
        XCTAssertEqual(l.examples[0].text, "sister\u{F0}city")
    }

    func testLabelNamesAndIntegerIndices() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("x.csv", "text,label\nfine day,1\nbad day,negative\n")
        let d = try loadUser(path) { $0.labelNames = ["negative", "positive"] }
        XCTAssertEqual(d.examples.map(\.label), [1, 0])
        let based = try dir.write("b.csv", "text,label\nfine day,2\nbad day,1\n")
        let one = try loadUser(based) { $0.labelNames = ["negative", "positive"]; $0.labelBase = 1 }
        XCTAssertEqual(one.examples.map(\.label), [1, 0])
        assertDataError(try loadUser(based) { $0.labelNames = ["negative", "positive"] }, file: "b.csv", line: 2, problem: "unknown label '2'")
        let unknown = try dir.write("u.csv", "text,label\nfine day,1\nbad day,neutral\n")
        assertDataError(try loadUser(unknown) { $0.labelNames = ["negative", "positive"] }, file: "u.csv", line: 3, problem: "unknown label 'neutral'")
    }

    func testJSONLines() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("q.jsonl", """
            {"question": "is it true", "passage": "It is.", "answer": true}
            {"question": "is it false", "passage": "No.", "answer": false, "extra": [1, 2]}

            """)
        let d = try loadUser(path)
        XCTAssertEqual(d.classNames, ["false", "true"])
        XCTAssertEqual(d.examples[0], Example(text: "is it true", pair: "It is.", label: 1))
        let ints = try dir.write("i.jsonl", "{\"text\": \"a b\", \"label\": 3}\n{\"text\": \"c d\", \"label\": 1}\n")
        XCTAssertEqual(try loadUser(ints).classNames, ["1", "3"])
        let bad = try dir.write("bad.jsonl", "{\"text\": \"a b\", \"label\": 3}\n[1, 2]\n")
        assertDataError(try loadUser(bad), file: "bad.jsonl", line: 2, problem: "not a JSON object")
        let missing = try dir.write("m.jsonl", "{\"text\": \"a b\", \"label\": 3}\n{\"text\": \"c\"}\n")
        assertDataError(try loadUser(missing), file: "m.jsonl", line: 2, problem: "label is missing")
    }

    /// Files joined together repeat their header row: it is neither an example nor a class. The copies are bad rows
    /// (named by line; skipped with skipBadRows), whether the labels are words or integers.
    func testRepeatedHeaderRowsAreNotAClass() throws {
        let dir = try TemporaryFolder()
        for body in ["a b,pos\nc d,neg\n", "a b,1\nc d,0\n"] {
            let joined = try dir.write("joined.csv", String(repeating: "text,label\n" + body, count: 3))
            XCTAssertThrowsError(try loadUser(joined)) { error in
                XCTAssertTrue("\(error)".contains("joined.csv:4"), "\(error)")
                XCTAssertTrue("\(error)".contains("repeats the header row"), "\(error)")
            }
            let d = try loadUser(joined) { $0.skipBadRows = true }
            XCTAssertEqual(d.classNames.count, 2, "\(d.classNames)")
            XCTAssertFalse(d.classNames.contains("label"))
            XCTAssertEqual(d.examples.count, 6)
            XCTAssertEqual(d.skipped.count, 2)
        }
    }

    func testSeparateTrainAndTestFiles() throws {
        let dir = try TemporaryFolder()
        let train = try dir.write("train.csv", "text,label\na b,x\nc d,y\ne f,x\n")
        let test = try dir.write("test.csv", "label,text\nz,g h\ny,i j\n")  // other column order, a new class
        let d = try loadUser(train) { $0.testFile = test }
        XCTAssertEqual(d.classNames, ["x", "y", "z"])
        XCTAssertEqual(d.parts.map(\.role), [.train, .test])
        XCTAssertEqual(d.parts.map(\.range), [0..<3, 3..<5])
        XCTAssertEqual(d.examples[3], Example(text: "g h", label: 2))
        XCTAssertTrue(d.keepsOfficialSplitByDefault)
    }
}
