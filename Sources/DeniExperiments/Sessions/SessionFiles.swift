import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// POSIX file operations the session format relies on (explicit fsync and rename; Foundation hides them).
enum SessionFiles {
    /// Writes every byte of `bytes` to `fd`, retrying partial writes and EINTR. Returns 0 or the errno.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32 {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += n
        }
        return 0
    }

    /// One `read(2)` into `buffer`: the byte count, 0 at the end, −1 with `errno` set.
    static func readChunk(_ fd: Int32, _ buffer: inout [UInt8]) -> Int {
        buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
    }

    /// Replaces `url` atomically: writes `url.tmp`, fsyncs it, renames it over `url`, fsyncs the folder.
    /// A crash at any point leaves either the old or the new file, never a mix.
    static func replaceAtomically(_ url: URL, with bytes: [UInt8], operation: String) throws(SessionError) {
        let tmp = url.path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw SessionError.posix(errno, path: tmp, operation: operation) }
        var code = writeAll(fd, bytes)
        if code == 0 && fsync(fd) != 0 { code = errno }
        close(fd)
        if code != 0 { unlink(tmp); throw SessionError.posix(code, path: tmp, operation: operation) }
        if rename(tmp, url.path) != 0 {
            let e = errno
            unlink(tmp)
            throw SessionError.posix(e, path: url.path, operation: operation)
        }
        syncFolder(url.deletingLastPathComponent())
    }

    /// Makes a rename or a new file in `folder` durable (best effort: some file systems refuse).
    static func syncFolder(_ folder: URL) {
        let fd = open(folder.path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }

    /// Creates `path` as a new folder; false when it already exists; throws on any other failure.
    static func makeFolder(_ path: String) throws(SessionError) -> Bool {
        if mkdir(path, 0o755) == 0 { return true }
        if errno == EEXIST { return false }
        throw SessionError.posix(errno, path: path, operation: "creating the session folder")
    }

    /// True when process `pid` exists (signal 0 reaches it, or it exists but belongs to someone else).
    static func processIsAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    static var hostname: String { ProcessInfo.processInfo.hostName }

    /// The lock's owner: "<pid> <hostname>".
    static func readLock(_ folder: URL) -> (pid: Int32, host: String)? {
        guard let text = try? String(contentsOf: folder.appendingPathComponent(SessionFormat.lockFile), encoding: .utf8) else { return nil }
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        guard let first = parts.first, let pid = Int32(first) else { return nil }
        return (pid, parts.count > 1 ? parts[1] : "")
    }

    /// True when the lock names a process that is alive on this host, or any process on another host
    /// (which this machine cannot check).
    static func lockIsLive(_ folder: URL) -> Bool {
        guard let lock = readLock(folder) else { return false }
        if !lock.host.isEmpty && lock.host != hostname { return true }
        return processIsAlive(lock.pid)
    }
}
