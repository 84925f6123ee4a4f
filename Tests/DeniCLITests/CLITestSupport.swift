import DeniCore
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

/// Why a `runDeni` or `runProcess` call did not complete.
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
    return try runProcess(binary.path, args, environment: ProcessInfo.processInfo.environment.merging(env) { _, new in new },
                          timeout: timeout)
}

/// Runs `executable` with `args` and exactly `environment`: stdin from /dev/null, stdout and stderr to
/// temporary files, no other descriptors inherited. Returns the exit status (128 + signal when killed by
/// one) and the output; kills the process and throws past `timeout` seconds.
///
/// Uses posix_spawn and waitpid directly: Foundation's `Process` on Linux was seen to miss the exit of a
/// child that forks a daemon (tmux), hanging `waitUntilExit`.
func runProcess(_ executable: String, _ args: [String], environment: [String: String],
                timeout: TimeInterval) throws -> (status: Int32, stdout: String, stderr: String) {
    let tmp = FileManager.default.temporaryDirectory
    let id = UUID().uuidString
    let outURL = tmp.appendingPathComponent("deni-cli-\(id).out"), errURL = tmp.appendingPathComponent("deni-cli-\(id).err")
    defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    closeInheritedDescriptors(&actions)

    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + args).map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for p in argv + envp { free(p) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
    guard spawned == 0 else {
        throw DeniRunError(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
    }

    let deadline = Date().addingTimeInterval(timeout)
    var status: Int32 = 0
    var timedOut = false
    while true {
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid { break }
        if r < 0 && errno != EINTR { throw DeniRunError(description: "waitpid failed for \(executable): errno \(errno)") }
        if !timedOut && Date() > deadline {
            timedOut = true
            kill(pid, SIGKILL)
        }
        usleep(timedOut ? 1_000 : 10_000)
    }
    let read = { (url: URL) in (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
    let (out, err) = (read(outURL), read(errURL))
    if timedOut {
        throw DeniRunError(description: "\(executable) \(args.joined(separator: " ")) did not finish within \(Int(timeout)) s; stderr: \(err.suffix(2000))")
    }
    let signal = status & 0x7f
    return (signal == 0 ? (status >> 8) & 0xff : 128 + signal, out, err)
}

/// Adds "close every descriptor from 3 up" to `actions` (glibc ≥ 2.34; looked up at run time because the
/// Glibc module does not import this GNU extension), so a child that daemonizes keeps none of ours open.
private func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return }
    _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
}

/// A small 3-class TSV (`topics.tsv` in `folder`) that the real model learns in seconds: class c's texts are
/// "the " + `words` words drawn from its own vocabulary + `suffix`, labelled sport, law or food in turn; `extra`
/// lines are appended as they are.
func writeTopicsDataset(in folder: URL, rows: Int, words: Int, seed: UInt64, suffix: String = "", extra: [String] = []) throws -> URL {
    let vocabulary = [["goal", "match", "team", "coach", "league", "score"],
                      ["court", "judge", "law", "trial", "verdict", "appeal"],
                      ["recipe", "oven", "flour", "sugar", "bake", "dough"]]
    var r = RandomStream(seed: seed, factor: .sample)
    var lines = ["text\tlabel"]
    for i in 0..<rows {
        let c = i % 3
        lines.append("the " + (0..<words).map { _ in vocabulary[c][r.nextInt(below: 6)] }.joined(separator: " ") + suffix
                     + "\t\(["sport", "law", "food"][c])")
    }
    lines += extra
    let url = folder.appendingPathComponent("topics.tsv")
    try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
    return url
}
