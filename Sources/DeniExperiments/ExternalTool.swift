import Foundation

/// Runs a command-line tool found on `PATH` (the Slurm clients `sbatch`, `squeue`, `sacct`; `rsvg-convert`) and
/// captures its output.
public enum ExternalTool {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// stderr's last non-empty line, else stdout's: what a failed command said.
        public var message: String {
            let lines = (stderr + "\n" + stdout).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            return lines.last { !$0.isEmpty } ?? "no output"
        }
    }

    /// The executable `name` on `PATH`, nil when there is none.
    public static func find(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> URL? {
        for dir in (path ?? "").split(separator: ":") where !dir.isEmpty {
            let url = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// Runs `name args…`; nil when `name` is not on `PATH`.
    public static func run(_ name: String, _ arguments: [String]) throws -> Output? {
        guard let url = find(name) else { return nil }
        let p = Process()
        p.executableURL = url
        p.arguments = arguments
        p.standardInput = FileHandle.nullDevice
        // stdout through a pipe read to its end; stderr (short) into a file, so neither can block the child.
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("deni-\(name)-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errFile) }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = try FileHandle(forWritingTo: errFile)
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let errData = (try? Data(contentsOf: errFile)) ?? Data()
        return Output(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}
