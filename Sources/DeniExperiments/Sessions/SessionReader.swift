import DeniCore
import DeniTraining
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A line of `events.jsonl` that was skipped.
public struct SkippedLine: Codable, Hashable, Sendable {
    public var line: Int
    public var reason: String
}

/// What reading `events.jsonl` ran into. A session with problems still reads; these say what was left out.
public struct SessionReadDiagnostics: Codable, Hashable, Sendable {
    /// Lines seen (complete or not).
    public var lines = 0
    /// Events decoded.
    public var events = 0
    /// Lines that are not a decodable event (bad JSON, missing fields, blank, over-long).
    public var garbageLineCount = 0
    /// The first `SessionReader.listedGarbageLines` of them, with line numbers (1-based) and reasons.
    public var garbageLines: [SkippedLine] = []
    /// Events of kinds this build does not know, by kind: skipped.
    public var unknownKinds: [String: Int] = [:]
    /// The last line had no newline and did not decode (a writer killed mid-line): dropped.
    public var tornTail = false
    /// Events of runs the session's config does not plan (a strategy it does not list, or a run index outside its
    /// runs: lines of another session appended to this one), and the first such run: left out.
    public var unplannedEvents = 0
    public var firstUnplannedRun: String? = nil
    /// Runs the recorded summary counts beyond the finished runs the events hold (events deleted or cut short).
    public var summaryRunsWithoutEvents = 0
    /// Runs with more than one finished `run_end` (a resumed session reruns only unfinished runs, so the extra ones
    /// are another session's lines), and the first of them; the last `run_end` of each counts.
    public var runsFinishedTwice = 0
    public var firstRunFinishedTwice: String? = nil

    public init() {}

    public var isClean: Bool {
        garbageLineCount == 0 && unknownKinds.isEmpty && !tornTail && unplannedEvents == 0 && summaryRunsWithoutEvents == 0
            && runsFinishedTwice == 0
    }

    /// One sentence per problem, for the CLI.
    public var messages: [String] {
        var out: [String] = []
        if tornTail { out.append("line \(lines): torn last line (the writer stopped mid-line); dropped") }
        if garbageLineCount > 0 {
            let listed = garbageLines.map { "line \($0.line): \($0.reason)" }.joined(separator: "; ")
            let more = garbageLineCount > garbageLines.count ? "; and \(garbageLineCount - garbageLines.count) more" : ""
            out.append("\(garbageLineCount) unreadable line(s) skipped: \(listed)\(more)")
        }
        for (kind, n) in unknownKinds.sorted(by: { $0.key < $1.key }) {
            out.append("\(n) event(s) of unknown kind '\(kind)' skipped (written by a newer deni?)")
        }
        if unplannedEvents > 0 {
            out.append("\(unplannedEvents) event(s) of runs this session does not plan (first: \(firstUnplannedRun ?? "?")) skipped: lines of another session?")
        }
        if runsFinishedTwice > 0 {
            out.append("\(runsFinishedTwice) run(s) finished more than once (first: \(firstRunFinishedTwice ?? "?")): lines of another session? the last of each is used")
        }
        if summaryRunsWithoutEvents > 0 {
            out.append("the recorded summary counts \(summaryRunsWithoutEvents) finished run(s) that \(SessionFormat.eventsFile) does not hold (deleted or cut short?); results derived from the events leave them out")
        }
        return out
    }
}

/// A session read back from disk.
public struct RecordedSession: Sendable {
    public var folder: URL
    public var manifest: SessionManifest
    /// The manifest's status, except `running` with no live writer, which is reported as `interrupted`.
    public var status: SessionStatus
    public var events: [TrainingEvent]
    public var diagnostics: SessionReadDiagnostics

    public var config: ExperimentConfig { manifest.config }
    /// Runs whose last `run_end` says `finished`: a resumed experiment skips them.
    public var finishedRuns: Set<RunID> { SessionReader.finishedRuns(events) }
    /// The results table computed from the events (the same code the runner uses for the summary).
    public func derivedResults() -> ResultsTable {
        ResultsTable.derive(config: manifest.config, events: events, classCount: manifest.dataset.classCount)
    }
}

/// Reads sessions written by `SessionWriter`, of this schema version or any older one.
public enum SessionReader {
    /// Garbage lines listed by number in the diagnostics (all are counted).
    public static let listedGarbageLines = 20
    /// Lines longer than this are skipped as garbage without being held in memory.
    public static let maxLineBytes = 16 << 20

    /// Reads the manifest, every event and the diagnostics.
    public static func read(_ folder: URL) throws(SessionError) -> RecordedSession {
        let manifest = try readManifest(folder)
        var events: [TrainingEvent] = []
        let labels = Set(manifest.config.strategies.map(\.label)), runs = manifest.config.runIndices
        var unplanned = 0, firstUnplanned: String?
        var diagnostics = try forEachEvent(in: folder) { event in
            if let id = event.runID, !labels.contains(id.strategy) || !runs.contains(id.run) {
                unplanned += 1
                if firstUnplanned == nil { firstUnplanned = id.description }
                return
            }
            events.append(event)
        }
        diagnostics.unplannedEvents = unplanned
        diagnostics.firstUnplannedRun = firstUnplanned
        var finishedOnce = Set<RunID>(), twice: [RunID] = []
        for case let .runEnd(id, .finished, _, _, _, _, _) in events where !finishedOnce.insert(id).inserted { twice.append(id) }
        diagnostics.runsFinishedTwice = Set(twice).count
        diagnostics.firstRunFinishedTwice = twice.first?.description
        if let summary = manifest.summary {
            let recorded = summary.rows.reduce(0) { $0 + $1.runs }
            diagnostics.summaryRunsWithoutEvents = max(0, recorded - SessionReader.finishedRuns(events).count)
        }
        return RecordedSession(folder: folder, manifest: manifest, status: effectiveStatus(manifest, folder: folder),
                               events: events, diagnostics: diagnostics)
    }

    /// `manifest.status`, with `running` turned into `interrupted` when no live process holds the lock.
    public static func effectiveStatus(_ manifest: SessionManifest, folder: URL) -> SessionStatus {
        manifest.status == .running && !SessionFiles.lockIsLive(folder) ? .interrupted : manifest.status
    }

    /// Reads and decodes `folder/manifest.json`, of any schema version up to `SessionFormat.schemaVersion`.
    public static func readManifest(_ folder: URL) throws(SessionError) -> SessionManifest {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) else { throw .notFound(path: folder.path) }
        guard isFolder.boolValue else { throw .notASession(path: folder.path, reason: "not a folder") }
        let url = folder.appendingPathComponent(SessionFormat.manifestFile)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw .notASession(path: folder.path, reason: "no \(SessionFormat.manifestFile)")
        }
        let data: Data
        do { data = try FileProblem.contents(of: url) }
        catch { throw .io(path: url.path, operation: "reading the manifest", detail: FileProblem.describe(error)) }
        return try decodeManifest(data, path: url.path)
    }

    /// Decodes manifest bytes by their `schemaVersion`. Version 1 is `SessionManifest`'s current layout;
    /// when the layout changes, freeze the old one as `SessionManifestV1` here and convert it.
    public static func decodeManifest(_ data: Data, path: String) throws(SessionError) -> SessionManifest {
        struct Probe: Decodable { var schemaVersion: Int?; var eventSchemaVersion: Int? }
        let decoder = SessionFormat.decoder()
        let probe: Probe
        do { probe = try decoder.decode(Probe.self, from: data) }
        catch { throw .notASession(path: path, reason: "not a JSON object (\(describe(error)))") }
        guard let version = probe.schemaVersion else { throw .notASession(path: path, reason: "no schemaVersion field") }
        if version > SessionFormat.schemaVersion {
            throw .newerSchema(path: path, what: "session", found: version, supported: SessionFormat.schemaVersion)
        }
        if let events = probe.eventSchemaVersion, events > EventSchema.version {
            throw .newerSchema(path: path, what: "event", found: events, supported: EventSchema.version)
        }
        switch version {
        case 1:
            let manifest: SessionManifest
            do { manifest = try decoder.decode(SessionManifest.self, from: data) }
            catch { throw .corruptManifest(path: path, detail: describe(error)) }
            if let problem = manifest.recordedProblem { throw .corruptManifest(path: path, detail: problem) }
            return manifest
        default:
            throw .corruptManifest(path: path, detail: "unknown schema version \(version)")
        }
    }

    /// Streams the session's events: `events.jsonl`, then each worker shard (`SessionShards`) of a sweep still
    /// running or interrupted, as one log; the diagnostics add up over the files.
    public static func forEachEvent(in folder: URL, _ body: (TrainingEvent) -> Void) throws(SessionError) -> SessionReadDiagnostics {
        var diagnostics = try forEachEvent(file: folder.appendingPathComponent(SessionFormat.eventsFile), body)
        let shards = SessionShards.files(in: folder)
        let config = shards.isEmpty ? nil : try readManifest(folder).config
        for shard in shards {
            let d = try SessionShards.events(of: shard, config: config!, body)
            diagnostics.lines += d.lines; diagnostics.events += d.events
            diagnostics.garbageLineCount += d.garbageLineCount
            for g in d.garbageLines where diagnostics.garbageLines.count < listedGarbageLines {
                diagnostics.garbageLines.append(SkippedLine(line: g.line, reason: "\(shard.lastPathComponent): \(g.reason)"))
            }
            for (k, n) in d.unknownKinds { diagnostics.unknownKinds[k, default: 0] += n }
            diagnostics.tornTail = diagnostics.tornTail || d.tornTail
        }
        return diagnostics
    }

    /// Streams one event file line by line (1 MiB reads; memory bounded by the longest line), calling `body`
    /// for each decodable event. Skips and reports garbage lines, unknown kinds and a torn last line.
    /// A missing file reads as empty.
    public static func forEachEvent(file url: URL, _ body: (TrainingEvent) -> Void) throws(SessionError) -> SessionReadDiagnostics {
        let path = url.path
        var diagnostics = SessionReadDiagnostics()
        guard FileManager.default.fileExists(atPath: path) else { return diagnostics }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw SessionError.posix(errno, path: path, operation: "opening \(url.lastPathComponent)") }
        defer { close(fd) }
        let decoder = SessionFormat.decoder()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var line: [UInt8] = []
        var overlong = false

        func skip(_ number: Int, _ reason: String) {
            diagnostics.garbageLineCount += 1
            if diagnostics.garbageLines.count < listedGarbageLines { diagnostics.garbageLines.append(SkippedLine(line: number, reason: reason)) }
        }
        func handle(_ bytes: [UInt8], complete: Bool) {
            diagnostics.lines += 1
            let number = diagnostics.lines
            if overlong || bytes.count > maxLineBytes { skip(number, "longer than \(maxLineBytes) bytes"); return }
            do {
                body(try decoder.decode(TrainingEvent.self, from: Data(bytes)))
                diagnostics.events += 1
            } catch let unknown as TrainingEvent.UnknownKind {
                diagnostics.unknownKinds[unknown.kind, default: 0] += 1
            } catch {
                if complete { skip(number, bytes.isEmpty ? "blank line" : describe(error)) } else { diagnostics.tornTail = true }
            }
        }

        while true {
            let n = SessionFiles.readChunk(fd, &chunk)
            if n < 0 {
                if errno == EINTR { continue }
                throw SessionError.posix(errno, path: path, operation: "reading \(url.lastPathComponent)")
            }
            if n == 0 { break }
            var start = 0
            for i in 0..<n where chunk[i] == UInt8(ascii: "\n") {
                if !overlong { line.append(contentsOf: chunk[start..<i]) }
                handle(line, complete: true)
                line.removeAll(keepingCapacity: line.count <= 1 << 16)
                overlong = false
                start = i + 1
            }
            if start < n && !overlong {
                line.append(contentsOf: chunk[start..<n])
                if line.count > maxLineBytes { overlong = true; line = [] }
            }
        }
        if !line.isEmpty || overlong { handle(line, complete: false) }
        return diagnostics
    }

    /// Runs whose last `run_end` has status `finished`, streaming the log (for resuming).
    public static func finishedRuns(in folder: URL) throws(SessionError) -> Set<RunID> {
        var last: [RunID: RunStatus] = [:]
        _ = try forEachEvent(in: folder) { if case let .runEnd(id, status, _, _, _, _, _) = $0 { last[id] = status } }
        return Set(last.filter { $0.value == .finished }.keys)
    }

    /// Runs whose last `run_end` has status `finished`.
    public static func finishedRuns(_ events: [TrainingEvent]) -> Set<RunID> {
        var last: [RunID: RunStatus] = [:]
        for case let .runEnd(id, status, _, _, _, _, _) in events { last[id] = status }
        return Set(last.filter { $0.value == .finished }.keys)
    }

    /// A short description of a decoding error (Foundation's are long and nested).
    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing field '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            "wrong type at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted(let c):
            c.codingPath.isEmpty ? "not valid JSON"
                : "bad value at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
                  + (c.debugDescription.isEmpty || c.debugDescription.hasPrefix("The given data") ? "" : ": \(c.debugDescription)")
        default: "\(error)"
        }
    }
}
