import DeniCore
import DeniTraining
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Worker shards of a session: while a sweep runs on several workers (processes, or Slurm array tasks on other
/// machines sharing the folder), each appends its events to a file of its own under `shards/` — no two writers
/// ever append to one file. Readers read `events.jsonl` and then every shard, in name order, as one log; when
/// the sweep ends its shards are merged into `events.jsonl` and removed, so a finished sweep is a plain session.
public enum SessionShards {
    public static let folder = "shards"
    static let claims = "claims"

    /// The shard files of a session, in name order (none for a plain session).
    public static func files(in session: URL) -> [URL] {
        let dir = session.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".jsonl") }.sorted().map { dir.appendingPathComponent($0) }
    }

    /// The shard file of worker `name` (e.g. "worker-1").
    public static func file(_ session: URL, worker name: String) -> URL {
        session.appendingPathComponent(folder).appendingPathComponent("\(name).jsonl")
    }

    /// Claims task `index` for this worker: true for exactly one caller, across processes and machines sharing
    /// the folder (an `O_EXCL` create). `clearClaims` releases the claims of tasks that did not finish.
    public static func claim(_ session: URL, task index: Int) -> Bool { claim(session, name: "task-\(index)") }

    /// Claims the final merge of a sweep whose runs all finished: true for exactly one caller.
    public static func claimFinish(_ session: URL) -> Bool { claim(session, name: "finish") }

    static func claim(_ session: URL, name: String) -> Bool {
        let dir = session.appendingPathComponent(folder).appendingPathComponent(claims)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let fd = open(dir.appendingPathComponent(name).path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        let text = Array("\(getpid()) \(SessionFiles.hostname)\n".utf8)
        _ = SessionFiles.writeAll(fd, text)
        close(fd)
        return true
    }

    /// Removes every claim (before workers start or restart: finished tasks are skipped by their recorded ends).
    public static func clearClaims(_ session: URL) {
        try? FileManager.default.removeItem(at: session.appendingPathComponent(folder).appendingPathComponent(claims))
    }

    /// Publishes every shard's events to `sink`, shard by shard in name order, after checking that each shard is
    /// this session's (`events(of:config:)`): nothing is published when one is not.
    public static func publish(_ session: URL, to sink: EventSink) throws(SessionError) {
        let config = try SessionReader.readManifest(session).config
        var all: [TrainingEvent] = []
        for url in files(in: session) { _ = try events(of: url, config: config) { all.append($0) } }
        for e in all { sink.publish(e) }
    }

    /// Streams one shard's events, refusing a shard of another session: every run it starts must be a task of
    /// `config` — one of its strategies, a run index below its runs — with that run's seeds. A shard copied from
    /// another sweep fails here, named by its file.
    static func events(of url: URL, config: ExperimentConfig, _ body: (TrainingEvent) -> Void) throws(SessionError) -> SessionReadDiagnostics {
        var problem: String?
        let labels = Set(config.strategies.map(\.label))
        let diagnostics = try SessionReader.forEachEvent(file: url) { e in
            guard problem == nil else { return }
            if case let .runStart(id, seeds, _, _, _) = e {
                if !labels.contains(id.strategy) { problem = "its run '\(id.strategy)' #\(id.run) is not a strategy of this session" }
                else if !config.runIndices.contains(id.run) { problem = "its run '\(id.strategy)' #\(id.run) is outside this session's runs \(config.runRange)" }
                else if seeds != config.seeds(run: id.run) { problem = "its run '\(id.strategy)' #\(id.run) has other seeds than this session's run \(id.run)" }
            }
            body(e)
        }
        if let problem {
            throw .refused(path: url.path, reason: "a shard of another session (\(problem)); move it out of \(folder)/ to go on")
        }
        return diagnostics
    }

    /// Removes the shards (and the claims) once their events are in `events.jsonl`.
    public static func remove(_ session: URL) {
        try? FileManager.default.removeItem(at: session.appendingPathComponent(folder))
    }

    /// Appends every shard's events to the session's writer (its `events.jsonl`), then removes the shards —
    /// only if every event was written.
    public static func merge(into writer: SessionWriter) throws(SessionError) {
        try publish(writer.folder, to: writer)
        if let e = writer.writeError { throw e }
        remove(writer.folder)
    }
}

/// Appends one worker's events to its shard file, with `SessionWriter`'s guarantees: one `write(2)` per complete
/// line, `fsync` at every `run_end`, a torn last line (a killed worker) cut when the shard is reopened, and the
/// first write error kept (later events dropped) for `writeError`.
public final class ShardWriter: EventSink, @unchecked Sendable {
    public let url: URL
    private let lock = NSLock()
    private var fd: Int32
    private var goodLength: Int64
    private var error: SessionError?
    private let encoder = SessionFormat.encoder(pretty: false)

    public init(session: URL, worker name: String) throws(SessionError) {
        url = SessionShards.file(session, worker: name)
        do { try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true) }
        catch { throw SessionError.io(path: url.deletingLastPathComponent().path, operation: "creating the shards folder", detail: FileProblem.describe(error)) }
        fd = open(url.path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if fd < 0 { throw SessionError.posix(errno, path: url.path, operation: "opening the shard") }
        let (length, _) = SessionWriter.completeLinesPrefix(fd)
        var size = stat()
        if fstat(fd, &size) == 0, size.st_size > length, ftruncate(fd, off_t(length)) != 0 {
            let e = errno; Glibc.close(fd)
            throw SessionError.posix(e, path: url.path, operation: "cutting the torn last line of the shard")
        }
        goodLength = length
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    public var writeError: SessionError? { lock.withLock { error } }

    public func publish(_ event: TrainingEvent) {
        lock.withLock {
            guard error == nil, fd >= 0 else { return }
            guard var bytes = try? Array(encoder.encode(event)) else { return }
            bytes.append(UInt8(ascii: "\n"))
            var code = SessionFiles.writeAll(fd, bytes)
            if code == 0, case .runEnd = event, fsync(fd) != 0 { code = errno }
            if code != 0 {
                _ = ftruncate(fd, off_t(goodLength))
                error = SessionError.posix(code, path: url.path, operation: "writing the shard")
                return
            }
            goodLength += Int64(bytes.count)
        }
    }

    public func close() {
        lock.withLock {
            if fd >= 0 { _ = fsync(fd); Glibc.close(fd); fd = -1 }
        }
    }
}
