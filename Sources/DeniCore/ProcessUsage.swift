import Foundation

/// This process's CPU time and memory from /proc (Linux): what the UI's header shows while training and what a
/// run records as its peak memory. Zero where /proc is unavailable.
public struct ProcessUsage: Sendable, Hashable {
    /// User + system CPU seconds used so far, over all threads.
    public var cpuSeconds: Double
    /// Resident memory now (VmRSS) and at its peak (VmHWM), in bytes.
    public var residentBytes: Int
    public var peakResidentBytes: Int

    public static func current() -> ProcessUsage {
        var usage = ProcessUsage(cpuSeconds: 0, residentBytes: 0, peakResidentBytes: 0)
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in status.split(separator: "\n") {
                let kb = { line.split(separator: " ").compactMap { Int($0) }.first ?? 0 }
                if line.hasPrefix("VmRSS:") { usage.residentBytes = kb() * 1024 }
                if line.hasPrefix("VmHWM:") { usage.peakResidentBytes = kb() * 1024 }
            }
        }
        // /proc/self/stat: the fields after the command name's closing parenthesis; utime and stime are the
        // 14th and 15th fields of the line (12th and 13th after it), in clock ticks.
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") {
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) {
                usage.cpuSeconds = (user + system) / Double(max(1, sysconf(Int32(_SC_CLK_TCK))))
            }
        }
        return usage
    }

    /// CPU use between two readings `seconds` apart, in percent of one core (200 % = two cores busy).
    public func cpuPercent(since earlier: ProcessUsage, seconds: Double) -> Double {
        seconds > 0 ? max(0, cpuSeconds - earlier.cpuSeconds) / seconds * 100 : 0
    }
}
