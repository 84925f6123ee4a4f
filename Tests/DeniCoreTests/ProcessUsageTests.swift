import Foundation
import XCTest
@testable import DeniCore

final class ProcessUsageTests: XCTestCase {
    /// CPU time grows by about the time spent computing; memory is non-zero and the peak is at least the current.
    func testReadsCPUTimeAndMemoryFromProc() throws {
        let before = ProcessUsage.current()
        XCTAssertGreaterThan(before.residentBytes, 1 << 20)
        XCTAssertGreaterThanOrEqual(before.peakResidentBytes, before.residentBytes)
        // Compute until the kernel has charged 0.1 s of CPU time (however loaded the machine), then check the rate.
        let start = Date()
        var x = 1.0, after = before
        while after.cpuSeconds - before.cpuSeconds < 0.1 && Date().timeIntervalSince(start) < 30 {
            for i in 0..<100_000 { x = (x * 1.000001 + Double(i)).truncatingRemainder(dividingBy: 1e6) }
            after = ProcessUsage.current()
        }
        XCTAssertGreaterThan(x, -1)
        XCTAssertGreaterThanOrEqual(after.cpuSeconds - before.cpuSeconds, 0.1, "CPU time grows while computing")
        let wall = Date().timeIntervalSince(start)
        let percent = after.cpuPercent(since: before, seconds: wall)
        XCTAssertGreaterThan(percent, 0)
        XCTAssertLessThanOrEqual(percent, Double(ProcessInfo.processInfo.activeProcessorCount) * 100 + 20, "one thread computed")
        XCTAssertEqual(after.cpuPercent(since: before, seconds: 0), 0)
    }
}

final class FileProblemTests: XCTestCase {
    /// A named pipe, a device or a folder is refused at once by what it is (reading a FIFO would wait forever).
    func testOnlyRegularFilesAreRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deni-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("data.csv")
        XCTAssertEqual(mkfifo(fifo.path, 0o644), 0)
        XCTAssertThrowsError(try FileProblem.contents(of: fifo)) {
            XCTAssertEqual(FileProblem.describe($0), "a named pipe (FIFO), not a regular file")
        }
        XCTAssertEqual(FileProblem.notRegular("/dev/null"), "a device, not a regular file")
        XCTAssertEqual(FileProblem.notRegular(dir.path), "a folder, not a file")
        XCTAssertNil(FileProblem.notRegular(dir.appendingPathComponent("missing").path))
        let file = dir.appendingPathComponent("ok.txt")
        try Data("x".utf8).write(to: file)
        XCTAssertEqual(try FileProblem.contents(of: file), Data("x".utf8))
    }
}
