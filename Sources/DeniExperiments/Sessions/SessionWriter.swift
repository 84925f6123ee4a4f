import DeniCore
import DeniTraining
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one session: the manifest first, then one event per line, then the final status.
///
/// Thread-safe: the runner publishes from its training thread while the UI may call `markInterrupted`.
/// Each event is one `write(2)` of a complete line on an `O_APPEND` descriptor (flushed per line, no
/// user-space buffer); `fsync` runs at every `run_end` and when the session closes. If a write fails (disk
/// full, I/O error) the partial line is truncated away, the manifest is switched to `failed` with the reason
/// (when the disk still allows it), later events are dropped, `onWriteError` is called (recording then stops the
/// experiment at once), and `writeError` plus the closing calls report the error — the session on disk stays
/// readable up to its last complete event, and resumable.
public final class SessionWriter: EventSink, @unchecked Sendable {
    public let folder: URL
    private let lock = NSLock()
    private var manifest: SessionManifest
    private var fd: Int32
    /// Bytes of `events.jsonl` that hold complete lines.
    private var goodLength: Int64
    private var lines: Int
    private var error: SessionError?
    private var closed = false
    private let encoder = SessionFormat.encoder(pretty: false)
    /// Called once, with the first write error (under the writer's lock: it must not call back into the writer).
    public var onWriteError: (@Sendable (SessionError) -> Void)?

    private init(folder: URL, manifest: SessionManifest, fd: Int32, length: Int64, lines: Int) {
        self.folder = folder; self.manifest = manifest; self.fd = fd; self.goodLength = length; self.lines = lines
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Creates `parent/<yyyyMMdd-HHmmss>-<config.name>/` (with `-2`, `-3`… if that second is taken), writes the
    /// manifest (status `running`), the lock file with this process's pid, and an empty `events.jsonl`.
    public static func create(in parent: URL, config: ExperimentConfig, modelIdentity: ModelIdentity,
                              datasetIdentity: DatasetIdentity, machine: MachineInfo = .current(toolVersion: "dev"),
                              now: Date = Date(), timeZone: TimeZone = .current) throws(SessionError) -> SessionWriter {
        do { try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true) }
        catch { throw SessionError.io(path: parent.path, operation: "creating the sessions folder", detail: FileProblem.describe(error)) }
        let base = SessionFormat.folderName(date: now, name: config.name, timeZone: timeZone)
        var name = base, attempt = 1
        while try !SessionFiles.makeFolder(parent.appendingPathComponent(name).path) {
            attempt += 1
            if attempt > 999 { throw SessionError.io(path: parent.path, operation: "naming the session folder", detail: "\(base)-2…999 all exist") }
            name = "\(base)-\(attempt)"
        }
        let folder = parent.appendingPathComponent(name)
        let manifest = SessionManifest(name: name, config: config, model: modelIdentity, dataset: datasetIdentity, machine: machine,
                                       status: .running, created: now, updated: now)
        do throws(SessionError) {
            try writeManifest(manifest, in: folder)
            try writeLock(in: folder)
            let path = folder.appendingPathComponent(SessionFormat.eventsFile).path
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
            if fd < 0 { throw SessionError.posix(errno, path: path, operation: "creating events.jsonl") }
            SessionFiles.syncFolder(folder)
            return SessionWriter(folder: folder, manifest: manifest, fd: fd, length: 0, lines: 0)
        } catch {
            // A session that could not be set up holds nothing: no half-made folder is left behind.
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
    }

    /// Reopens an unfinished session to append to it (resuming an experiment): refuses a session whose lock
    /// names a live process or whose schema differs from this build's, cuts a torn last line, sets the status
    /// back to `running` and takes the lock. `SessionReader.finishedRuns(in:)` tells which runs to skip.
    public static func resume(_ folder: URL, now: Date = Date()) throws(SessionError) -> SessionWriter {
        var manifest = try SessionReader.readManifest(folder)
        if manifest.schemaVersion != SessionFormat.schemaVersion || manifest.eventSchemaVersion != EventSchema.version {
            throw SessionError.io(path: folder.path, operation: "resuming",
                                  detail: "written with session schema \(manifest.schemaVersion) / event schema \(manifest.eventSchemaVersion); this build writes \(SessionFormat.schemaVersion) / \(EventSchema.version)")
        }
        if let owner = SessionFiles.readLock(folder), SessionFiles.lockIsLive(folder) {
            throw SessionError.locked(path: folder.path, pid: owner.pid, host: owner.host)
        }
        let path = folder.appendingPathComponent(SessionFormat.eventsFile).path
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if fd < 0 { throw SessionError.posix(errno, path: path, operation: "opening events.jsonl to resume") }
        let (length, lines) = completeLinesPrefix(fd)
        var size = stat()
        if fstat(fd, &size) == 0, (size.st_mode & S_IFMT) == S_IFREG, size.st_size > length, ftruncate(fd, off_t(length)) != 0 {
            let e = errno; close(fd)
            throw SessionError.posix(e, path: path, operation: "cutting the torn last line of events.jsonl")
        }
        manifest.status = .running
        manifest.failure = nil
        manifest.summary = nil
        manifest.updated = now
        do {
            try writeManifest(manifest, in: folder)
            try writeLock(in: folder)
        } catch { close(fd); throw error }
        return SessionWriter(folder: folder, manifest: manifest, fd: fd, length: length, lines: lines)
    }

    /// The first write error, if any (the session was then marked failed and stopped recording events).
    public var writeError: SessionError? { lock.withLock { error } }
    /// Complete lines in `events.jsonl`.
    public var eventCount: Int { lock.withLock { lines } }
    public var currentManifest: SessionManifest { lock.withLock { manifest } }

    /// Appends `event` as one line. Never throws (the training loop cannot stop for it); see `writeError`.
    public func publish(_ event: TrainingEvent) {
        lock.withLock {
            guard !closed, error == nil else { return }
            let path = folder.appendingPathComponent(SessionFormat.eventsFile).path
            var bytes: [UInt8]
            do { bytes = Array(try encoder.encode(event)) }
            catch {
                record(.io(path: path, operation: "encoding event \(lines + 1) (\(event.kind))", detail: "\(error)"))
                return
            }
            bytes.append(UInt8(ascii: "\n"))
            var code = SessionFiles.writeAll(fd, bytes)
            if code == 0, case .runEnd = event, fsync(fd) != 0 { code = errno }
            if code != 0 {
                _ = ftruncate(fd, off_t(goodLength))
                record(SessionError.posix(code, path: path, operation: "writing events.jsonl line \(lines + 1)"))
                return
            }
            goodLength += Int64(bytes.count)
            lines += 1
        }
    }

    /// Closes the session as `finished` with its results table.
    public func finish(summary: ResultsTable, now: Date = Date()) throws(SessionError) {
        try end(status: .finished, summary: summary, failure: nil, now: now)
    }

    /// Closes the session as `interrupted` (the experiment stopped before its planned runs were done).
    public func markInterrupted(now: Date = Date()) throws(SessionError) {
        try end(status: .interrupted, summary: nil, failure: nil, now: now)
    }

    /// Closes the session as `failed` with `message`.
    public func markFailed(_ message: String, now: Date = Date()) throws(SessionError) {
        try end(status: .failed, summary: nil, failure: message, now: now)
    }

    private func end(status: SessionStatus, summary: ResultsTable?, failure: String?, now: Date) throws(SessionError) {
        let result: Result<Void, SessionError> = lock.withLock {
            if closed { return .failure(.closed(path: folder.path)) }
            closed = true
            if fd >= 0 {
                if fsync(fd) != 0, error == nil, errno != EINVAL {
                    record(SessionError.posix(errno, path: folder.appendingPathComponent(SessionFormat.eventsFile).path,
                                              operation: "syncing events.jsonl"))
                }
                close(fd)
                fd = -1
            }
            if let error { return .failure(error) }
            manifest.status = status
            manifest.summary = summary
            manifest.failure = failure
            manifest.updated = now
            do throws(SessionError) { try Self.writeManifest(manifest, in: folder) } catch { return .failure(error) }
            unlink(folder.appendingPathComponent(SessionFormat.lockFile).path)
            return .success(())
        }
        try result.get()
    }

    /// Keeps the first error, tells `onWriteError` and tries to record it in the manifest as a failure (the disk may refuse).
    private func record(_ e: SessionError) {
        error = e
        onWriteError?(e)
        manifest.status = .failed
        manifest.failure = e.description
        manifest.updated = Date()
        if (try? Self.writeManifest(manifest, in: folder)) != nil {
            unlink(folder.appendingPathComponent(SessionFormat.lockFile).path)
        }
    }

    /// Replaces `folder`'s manifest atomically (also used by `SessionCompaction`).
    static func writeManifest(_ manifest: SessionManifest, in folder: URL) throws(SessionError) {
        let url = folder.appendingPathComponent(SessionFormat.manifestFile)
        let bytes: [UInt8]
        do { bytes = Array(try SessionFormat.encoder(pretty: true).encode(manifest)) + [UInt8(ascii: "\n")] }
        catch { throw SessionError.io(path: url.path, operation: "encoding the manifest", detail: "\(error)") }
        try SessionFiles.replaceAtomically(url, with: bytes, operation: "writing the manifest")
    }

    private static func writeLock(in folder: URL) throws(SessionError) {
        let text = "\(getpid()) \(SessionFiles.hostname)\n"
        try SessionFiles.replaceAtomically(folder.appendingPathComponent(SessionFormat.lockFile), with: Array(text.utf8),
                                           operation: "writing the lock file")
    }

    /// Length of the prefix of `fd`'s regular file that ends with a newline, and its number of lines.
    static func completeLinesPrefix(_ fd: Int32) -> (Int64, Int) {
        var size = stat()
        guard fstat(fd, &size) == 0, (size.st_mode & S_IFMT) == S_IFREG, size.st_size > 0 else { return (0, 0) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: Int64 = 0, lastEnd: Int64 = 0, lines = 0
        while offset < Int64(size.st_size) {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off_t(offset)) }
            if n <= 0 { break }
            for i in 0..<n where buffer[i] == UInt8(ascii: "\n") { lines += 1; lastEnd = offset + Int64(i) + 1 }
            offset += Int64(n)
        }
        return (lastEnd, lines)
    }
}
