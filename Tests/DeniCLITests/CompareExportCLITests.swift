import XCTest
import DeniCore

/// `deni compare` over three of the committed example sessions, and `deni export --svg` with and without
/// rsvg-convert.
final class CompareExportCLITests: XCTestCase {
    var examples: URL { get throws { try XCTUnwrap(ProjectPaths.root).appendingPathComponent("sessions/examples") } }

    func example(_ suffix: String) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: try examples.path)
        return try examples.appendingPathComponent(try XCTUnwrap(names.first { $0.hasSuffix(suffix) })).path
    }

    func temporaryFolder() throws -> URL {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("deni-compare-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        return tmp
    }

    /// Every difference is printed with its statistic, the one the JSON's `kind` names; a session on other data
    /// is warned about.
    func testCompareThreeSessionsNamesTheStatistic() throws {
        let tmp = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: tmp) }
        // The third session: a copy of the quick one that claims other data.
        let quick = try example("trec-lora-quick"), other = tmp.appendingPathComponent("other-data")
        try FileManager.default.copyItem(atPath: quick, toPath: other.path)
        let manifest = other.appendingPathComponent("manifest.json")
        let text = try String(contentsOf: manifest, encoding: .utf8)
        XCTAssertTrue(text.contains("\"key\" : \"trec\""))
        try text.replacingOccurrences(of: "\"key\" : \"trec\"", with: "\"key\" : \"sst2\"").write(to: manifest, atomically: true, encoding: .utf8)
        let args = ["compare", quick, try example("trec-lora-deni-sweep"), other.path]
        let r = try runDeni(args, timeout: 120)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("S3 = "), r.stdout)
        XCTAssertTrue(r.stdout.contains("S2 − S1") && r.stdout.contains("S3 − S1") && r.stdout.contains("S3 test"), r.stdout)
        XCTAssertTrue(r.stderr.contains("warning: S3 (") && r.stderr.contains("ran on dataset 'sst2'"), r.stderr)
        XCTAssertTrue(r.stdout.contains("paired Δ: mean of the differences"), "the note says what the statistics are")

        let json = try runDeni(args + ["--json"], timeout: 120)
        XCTAssertEqual(json.status, 0, json.stderr)
        let decoded = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let rows = try XCTUnwrap(decoded["rows"] as? [[String: Any]])
        let lines = r.stdout.split(separator: "\n").map(String.init)
        var labelled = 0
        for row in rows {
            let strategy = try XCTUnwrap(row["strategy"] as? String)
            let line = try XCTUnwrap(lines.first { $0.hasPrefix(strategy + "  ") }, "no line for \(strategy)")
            for test in (row["tests"] as? [Any]) ?? [] {
                guard let t = test as? [String: Any], let kind = t["kind"] as? String, let n = t["n"] as? Int else { continue }
                let label = kind == "paired" ? "paired Δ (\(n) pair\(n == 1 ? "" : "s"))" : "Welch Δ"
                XCTAssertTrue(line.contains(label), "\(strategy): \(label) missing from \(line)")
                labelled += 1
            }
        }
        XCTAssertEqual(labelled, 3, "Default in S2 and S3, DENI in S3 (S2 ran DENI variants only)")
        // S3 is a copy of S1: its runs pair with S1's by seed, so its tests are paired.
        let deni = try XCTUnwrap(rows.first { $0["strategy"] as? String == "DENI" })
        XCTAssertEqual(((deni["tests"] as? [Any])?.last as? [String: Any])?["kind"] as? String, "paired")
    }

    /// PNG copies beside the SVGs when rsvg-convert is on PATH; one line and no PNGs when it is not.
    func testExportWritesHeatMapsAndPNGCopies() throws {
        let tmp = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let quick = try example("trec-lora-quick")
        let empty = tmp.appendingPathComponent("empty-path")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let without = try runDeni(["export", quick, "--svg", tmp.appendingPathComponent("a").path], env: ["PATH": empty.path], timeout: 120)
        XCTAssertEqual(without.status, 0, without.stderr)
        let notes = without.stderr.split(separator: "\n").filter { $0.contains("rsvg-convert") }
        XCTAssertEqual(notes.count, 1, without.stderr)
        XCTAssertTrue(notes[0].contains("librsvg2-bin"), without.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: tmp.appendingPathComponent("a").path).sorted()
        XCTAssertEqual(files, ["confusion.svg", "eval_f1.svg", "loss.svg", "per_class_f1.svg", "results.svg"])
        let confusion = try String(contentsOf: tmp.appendingPathComponent("a/confusion.svg"), encoding: .utf8)
        for name in ["ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"] {
            XCTAssertTrue(confusion.contains(">\(name)</text>"), "TREC's class \(name) names a row and a column")
        }
        XCTAssertEqual(confusion.components(separatedBy: "class=\"cell\"").count - 1, 2 * 36, "Default and DENI, 6 × 6 cells each")
        let loss = try String(contentsOf: tmp.appendingPathComponent("a/loss.svg"), encoding: .utf8)
        XCTAssertTrue(loss.contains("class=\"phase\" data-phase=\"interpolating\""), "DENI's rounds shaded")

        let pathHasTool = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/rsvg-convert") }
        guard pathHasTool else { throw XCTSkip("rsvg-convert is not on PATH (Debian package librsvg2-bin)") }
        let with = try runDeni(["export", quick, "--svg", tmp.appendingPathComponent("b").path], timeout: 120)
        XCTAssertEqual(with.status, 0, with.stderr)
        for name in ["loss", "eval_f1", "results", "per_class_f1", "confusion"] {
            let png = tmp.appendingPathComponent("b/\(name).png")
            XCTAssertEqual(Array(try Data(contentsOf: png).prefix(4)), [0x89, 0x50, 0x4E, 0x47], name)
            XCTAssertTrue(with.stdout.contains("wrote \(png.path)"), with.stdout)
        }
        let none = try runDeni(["export", quick, "--svg", tmp.appendingPathComponent("c").path, "--no-png"], timeout: 120)
        XCTAssertEqual(none.status, 0, none.stderr)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: tmp.appendingPathComponent("c").path).contains { $0.hasSuffix(".png") })
    }
}
