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
