import XCTest
import DeniCore

/// `deni report` on the committed example sessions: a Markdown report with its plots, and clear errors.
final class ReportCLITests: XCTestCase {
    func testReportOnTheExampleSessionsWritesMarkdownAndPlots() throws {
        let root = try XCTUnwrap(ProjectPaths.root)
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("deni-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let notes = tmp.appendingPathComponent("notes.md")
        try "Notes go here.".write(to: notes, atomically: true, encoding: .utf8)
        let out = tmp.appendingPathComponent("docs/results.md"), svg = tmp.appendingPathComponent("docs/results")
        let r = try runDeni(["report", root.appendingPathComponent("sessions/examples").path, "--out", out.path, "--svg", svg.path,
                             "--notes", notes.path, "--title", "Examples: results"], timeout: 120)
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = try String(contentsOf: out, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("# Examples: results\n"), text)
        XCTAssertTrue(text.contains("--title 'Examples: results'`"), text)  // the command line, quoted where it must be
        XCTAssertTrue(text.contains("Notes go here."))
        XCTAssertTrue(text.contains("## Findings"))
        // The example sessions ran different protocols: one cell each (the sweep's variants are rows of its own),
        // each with its plot linked relatively.
        XCTAssertTrue(text.contains("## TREC, LoRA (400 samples)"), text)
        XCTAssertTrue(text.contains("## TREC, LoRA (200 samples)"), text)
        XCTAssertTrue(text.contains("## TREC, LoRA — sweep over deni.noiseVariance, deni.ensembleSize"), text)
        XCTAssertTrue(text.contains("Sweep points (varied: `deni.noiseVariance`, `deni.ensembleSize`"), text)
        XCTAssertTrue(text.contains("](results/trec-lora-sweep.svg)"), text)
        XCTAssertTrue(text.contains("| DENI · σ² 0.05 · K 3 |"), text)
        XCTAssertTrue(text.contains("](results/trec-lora-400-samples.svg)"), text)
        for name in ["trec-lora-400-samples.svg", "trec-lora-200-samples.svg", "trec-lora-400-samples-loss.svg",
                     "trec-lora-400-samples-per-class-f1.svg", "trec-lora-400-samples-confusion.svg"] {
            XCTAssertTrue(try String(contentsOf: svg.appendingPathComponent(name), encoding: .utf8).contains("<svg xmlns"), name)
        }
        XCTAssertTrue(text.contains("[confusion matrices](results/trec-lora-400-samples-confusion.svg)"), text)
        XCTAssertTrue(try String(contentsOf: svg.appendingPathComponent("trec-lora-400-samples-confusion.svg"), encoding: .utf8).contains(">ABBR</text>"))
        // PNG copies beside them when rsvg-convert is installed (scripts/setup.sh installs it).
        if (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/rsvg-convert") }) {
            XCTAssertTrue(FileManager.default.fileExists(atPath: svg.appendingPathComponent("trec-lora-400-samples-confusion.png").path), r.stdout)
        }
        let json = try runDeni(["report", root.appendingPathComponent("sessions/examples").path, "--json"], timeout: 120)
        XCTAssertEqual(json.status, 0, json.stderr)
        let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        XCTAssertEqual((decoded?["cells"] as? [Any])?.count, 3)
        XCTAssertEqual((decoded?["findings"] as? [Any])?.count, 3)
    }

    func testReportOnAFolderWithoutSessionsSaysSo() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("deni-report-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r = try runDeni(["report", tmp.path], timeout: 60)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("neither a session nor a folder of sessions"), r.stderr)
        let untitled = try runDeni(["report", tmp.path, "--title", " "], timeout: 60)
        XCTAssertNotEqual(untitled.status, 0)
        XCTAssertTrue(untitled.stderr.contains("--title: give one non-empty line"), untitled.stderr)
    }
}
