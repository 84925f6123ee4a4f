import Foundation

/// Everything that can go wrong writing or reading a session, each naming the file and the problem.
public enum SessionError: Error, CustomStringConvertible, Equatable, Sendable {
    case notFound(path: String)
    /// The folder exists but is not a session (no manifest, or the manifest is not JSON of a session).
    case notASession(path: String, reason: String)
    case newerSchema(path: String, what: String, found: Int, supported: Int)
    case corruptManifest(path: String, detail: String)
    /// The disk filled up while writing; the session keeps every line written before.
    case diskFull(path: String, operation: String)
    case io(path: String, operation: String, detail: String)
    /// The session's lock names a live process: another writer owns it.
    case locked(path: String, pid: Int32, host: String)
    /// The writer was already closed (finished, failed or interrupted).
    case closed(path: String)
    case ambiguous(name: String, candidates: [String])
    /// The request does not fit this session (e.g. a compaction stride that contradicts an earlier one).
    case refused(path: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let p): "no session at \(p)"
        case .notASession(let p, let r): "\(p) is not a session: \(r)"
        case .newerSchema(let p, let w, let f, let s):
            "\(p): \(w) schema version \(f) is newer than this deni understands (≤ \(s)); update deni to read it"
        case .corruptManifest(let p, let d): "\(p): unreadable manifest: \(d)"
        case .diskFull(let p, let o): "disk full while \(o) at \(p)"
        case .io(let p, let o, let d): "I/O error while \(o) at \(p): \(d)"
        case .locked(let p, let pid, let h): "\(p) is being written by process \(pid) on \(h)"
        case .closed(let p): "session \(p) is already closed"
        case .ambiguous(let n, let c): "'\(n)' matches several sessions: \(c.joined(separator: ", "))"
        case .refused(let p, let r): "\(p): \(r)"
        }
    }

    /// The error for a failed system call (`errno`), distinguishing a full disk.
    static func posix(_ code: Int32, path: String, operation: String) -> SessionError {
        if code == ENOSPC || code == EDQUOT { return .diskFull(path: path, operation: operation) }
        return .io(path: path, operation: operation, detail: String(cString: strerror(code)))
    }
}
