import XCTest
import DeniExperiments

/// The start estimate and `LongRunRule` through the binary: a sessions folder whose finished session says this
/// machine trains LoRA at the example's speed makes a 20-run experiment long, so without a terminal on stdin it
/// is refused naming --yes and nothing is recorded; the estimate is printed either way.
extension ExperimentCLITests {
    /// A copy of the committed example session, re-labelled as recorded on this machine.
    func sessionsWithHistory() throws -> URL {
        let root = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let example = root.appendingPathComponent("sessions/examples/20261129-024804-trec-lora-quick")
        let sessions = tmp.appendingPathComponent("history-\(UUID().uuidString)")
        let copy = sessions.appendingPathComponent(example.lastPathComponent)
        try FileManager.default.createDirectory(at: sessions, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: example, to: copy)
        let url = copy.appendingPathComponent("manifest.json")
        var manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var machine = try XCTUnwrap(manifest["machine"] as? [String: Any])
        machine["hostname"] = ProcessInfo.processInfo.hostName
        machine["cores"] = ProcessInfo.processInfo.activeProcessorCount
        manifest["machine"] = machine
        try JSONSerialization.data(withJSONObject: manifest).write(to: url)
        return sessions
    }

    func testALongExperimentIsRefusedWithoutATerminalUnlessYes() throws {
        let data = try writeDataset()
        let sessions = try sessionsWithHistory()
        let args = ["run", "--dataset", data.path, "--tuning", "lora", "--strategy", "default", "deni", "--runs", "20", "--samples", "1000",
                    "--epochs", "10", "--threads", "2"]
        let out = try runDeni(args, env: ["DENI_SESSIONS": sessions.path], timeout: 60)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("40 run(s); estimated time ≈ "), out.stderr)
        XCTAssertTrue(out.stderr.contains("from the speed of 1 finished session(s) on this machine"), out.stderr)
        XCTAssertTrue(out.stderr.contains("no terminal on stdin to ask — pass --yes"), out.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: sessions.path).count, 1, "nothing new recorded")
        // --dry-run prints the experiment and never asks, for a run or a sweep.
        let short = try runDeni(["run", "--dry-run"] + args.dropFirst(), env: ["DENI_SESSIONS": sessions.path], timeout: 60)
        XCTAssertEqual(short.status, 0, short.stderr)
        let ia3 = try runDeni(["sweep", "--dataset", data.path, "--tuning", "ia3", "--strategy", "default", "deni", "--runs", "20",
                               "--vary", "deni.ensembleSize=3,5", "--threads", "2", "--dry-run"], env: ["DENI_SESSIONS": sessions.path], timeout: 60)
        XCTAssertEqual(ia3.status, 0, ia3.stderr)
    }
}
