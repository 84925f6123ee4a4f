import Foundation
import XCTest

/// Helpers shared by the end-to-end tests of the built `deni` binary.

/// Anchor for `Bundle(for:)`: the test bundle's location.
private final class CLITestBundleAnchor {}

/// The package root (the folder holding Package.swift), found from this file's path.
func packageRoot(file: String = #filePath) -> URL {
    var dir = URL(fileURLWithPath: file).deletingLastPathComponent()
    for _ in 0..<8 {
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
        dir = dir.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// The `deni` executable built with these tests: next to the test bundle first (the same build
/// configuration), then `.build/release/deni`, then `.build/debug/deni` under the package root.
/// The returned path may not exist when nothing was built; `runDeni` and callers check.
func deniBinary() -> URL {
    let bundle = Bundle(for: CLITestBundleAnchor.self).bundleURL
    // macOS: the bundle is a folder `deniPackageTests.xctest` beside the binary; Linux: the bundle URL can be
    // the build folder itself (the .xctest is an executable there).
    var candidates = [bundle.deletingLastPathComponent().appendingPathComponent("deni"), bundle.appendingPathComponent("deni")]
    let build = packageRoot().appendingPathComponent(".build")
    candidates += ["release", "debug"].map { build.appendingPathComponent($0).appendingPathComponent("deni") }
    let fm = FileManager.default
    return candidates.first { fm.isExecutableFile(atPath: $0.path) && !isFolder($0) } ?? candidates[candidates.count - 2]
}

private func isFolder(_ url: URL) -> Bool {
    var dir: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &dir) && dir.boolValue
}

/// Why a `runDeni` call did not complete.
struct DeniRunError: Error, CustomStringConvertible {
    let description: String
}

/// Runs the built `deni` with `args` and extra environment `env`; returns its exit status and output.
/// Throws when the binary is missing or does not finish within `timeout` seconds (it is killed then).
func runDeni(_ args: [String], env: [String: String] = [:], timeout: TimeInterval) throws -> (status: Int32, stdout: String, stderr: String) {
    let binary = deniBinary()
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
        throw DeniRunError(description: "no deni binary at \(binary.path): build it first (swift build)")
    }
    let process = Process()
    process.executableURL = binary
    process.arguments = args
    process.environment = ProcessInfo.processInfo.environment.merging(env) { _, new in new }
    process.standardInput = FileHandle.nullDevice
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    // Drain both pipes while the process runs so a chatty child never blocks on a full pipe.
    let outData = PipeCollector(out.fileHandleForReading), errData = PipeCollector(err.fileHandleForReading)
    let done = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in done.signal() }
    try process.run()
    if done.wait(timeout: .now() + timeout) == .timedOut {
        process.terminate()
        if done.wait(timeout: .now() + 5) == .timedOut { kill(process.processIdentifier, SIGKILL); done.wait() }
        throw DeniRunError(description: "deni \(args.joined(separator: " ")) did not finish within \(Int(timeout)) s; stderr: \(errData.text())")
    }
    return (process.terminationStatus, outData.text(), errData.text())
}

/// Reads a pipe to its end on a background queue.
private final class PipeCollector: @unchecked Sendable {
    private var data = Data()
    private let finished = DispatchSemaphore(value: 0)
    init(_ handle: FileHandle) {
        DispatchQueue.global().async { [self] in
            data = handle.readDataToEndOfFile()
            finished.signal()
        }
    }
    /// Everything read, once the writer closed the pipe.
    func text() -> String {
        finished.wait()
        finished.signal()
        return String(decoding: data, as: UTF8.self)
    }
}
