import XCTest
import DeniCore

/// `deni tag` and `deni sessions --tag` on copies of an example session, and names that two sessions share.
final class SessionsCLITests: XCTestCase {
    func testTagsNotesAndNamesSeveralSessionsMatch() throws {
        let examples = try XCTUnwrap(ProjectPaths.root).appendingPathComponent("sessions/examples")
        let name = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: examples.path).sorted().first {
            FileManager.default.fileExists(atPath: examples.appendingPathComponent($0).appendingPathComponent("manifest.json").path)
        })
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("deni-tags-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tmp) }
        for group in ["a", "b"] {
            try FileManager.default.createDirectory(at: tmp.appendingPathComponent(group), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: examples.appendingPathComponent(name), to: tmp.appendingPathComponent("\(group)/\(name)"))
        }
        let dir = ["--dir", tmp.path]

        let ambiguous = try runDeni(["tag", name] + dir, timeout: 60)
        XCTAssertNotEqual(ambiguous.status, 0)
        XCTAssertTrue(ambiguous.stderr.contains("'\(name)' matches several sessions: a/\(name), b/\(name)"), ambiguous.stderr)

        let tagged = try runDeni(["tag", "a/\(name)", "--add", "paper,cola", "--note", "first look"] + dir, timeout: 60)
        XCTAssertEqual(tagged.status, 0, tagged.stderr)
        XCTAssertTrue(tagged.stdout.contains("tags: cola, paper") && tagged.stdout.contains("note: first look"), tagged.stdout)
        let json = try runDeni(["tag", "a/\(name)", "--remove", "cola", "--json"] + dir, timeout: 60)
        XCTAssertEqual(json.status, 0, json.stderr)
        let meta = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(meta["tags"] as? [String], ["paper"])
        XCTAssertEqual(meta["note"] as? String, "first look")

        let listed = try runDeni(["sessions", "--tag", "paper"] + dir, timeout: 60)
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertTrue(listed.stdout.contains("a/\(name)") && !listed.stdout.contains("b/\(name)"), listed.stdout)
        XCTAssertTrue(listed.stdout.contains("a/\(name): note: first look"), listed.stdout)
        let all = try runDeni(["sessions", "--json"] + dir, timeout: 60)
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["folder"] as? String }, ["a/\(name)", "b/\(name)"])
        XCTAssertEqual(rows.map { $0["tags"] as? [String] }, [["paper"], []])
        let none = try runDeni(["sessions", "--tag", "nope"] + dir, timeout: 60)
        XCTAssertTrue(none.stdout.contains("No sessions tagged nope"), none.stdout)

        let contradiction = try runDeni(["tag", "a/\(name)", "--note", "x", "--clear-note"] + dir, timeout: 60)
        XCTAssertNotEqual(contradiction.status, 0)
        XCTAssertTrue(contradiction.stderr.contains("--note and --clear-note contradict each other"), contradiction.stderr)
        let help = try runDeni(["tag", "--help"], timeout: 60)
        XCTAssertTrue(help.stdout.contains("meta.json"), help.stdout)
    }
}
