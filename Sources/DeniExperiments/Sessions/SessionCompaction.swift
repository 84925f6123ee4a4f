import DeniCore
import DeniTraining
import Foundation

/// What `SessionCompaction.compact` did to one session.
public struct CompactionReport: Codable, Hashable, Sendable {
    public var session: String
    public var stepsEvery: Int
    public var linesBefore: Int
    public var linesAfter: Int
    public var bytesBefore: Int
    public var bytesAfter: Int
    /// Step events dropped.
    public var stepsDropped: Int
}

/// Thins the `step` events of a recorded session, which are one per optimiser step and make up almost all of
/// a long experiment's log (70 runs × 1,140 steps ≈ 13 MB). Keeps every other event byte for byte — run starts
/// and ends, evaluations, phases, costs, lines this build cannot decode — and, per run attempt, the step events
/// whose step is a multiple of `stepsEvery` plus the last step of each epoch. Results, run status and
/// evaluation curves are unchanged; the loss and learning-rate curves keep one point in `stepsEvery`.
///
/// The manifest records the stride (`stepEventsEvery`). The file is replaced atomically; a session whose lock
/// names a live writer is refused. Compacting again with the same stride changes nothing; a new stride must be
/// a multiple of the recorded one (otherwise the kept steps would not be what the manifest says).
public enum SessionCompaction {
    public static func compact(_ folder: URL, stepsEvery: Int) throws(SessionError) -> CompactionReport {
        guard stepsEvery >= 1 else {
            throw .refused(path: folder.path, reason: "the step stride must be at least 1 (got \(stepsEvery))")
        }
        var manifest = try SessionReader.readManifest(folder)
        if !SessionShards.files(in: folder).isEmpty {
            throw .refused(path: folder.path, reason: "it has worker shards (a sweep that has not finished); resume it first")
        }
        if let owner = SessionFiles.readLock(folder), SessionFiles.lockIsLive(folder) {
            throw .locked(path: folder.path, pid: owner.pid, host: owner.host)
        }
        if let previous = manifest.stepEventsEvery, stepsEvery % previous != 0 {
            throw .refused(path: folder.path,
                           reason: "its step events are already thinned to every \(previous)th step; --steps-every must be a multiple of \(previous)")
        }
        let url = folder.appendingPathComponent(SessionFormat.eventsFile)
        let bytes: [UInt8]
        do { bytes = FileManager.default.fileExists(atPath: url.path) ? Array(try Data(contentsOf: url)) : [] }
        catch { throw .io(path: url.path, operation: "reading events.jsonl", detail: FileProblem.describe(error)) }

        let lines = splitLines(bytes)
        let keep = keptLines(lines.map { bytes[$0] }, stepsEvery: stepsEvery)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var linesAfter = 0, dropped = 0
        for (i, range) in lines.enumerated() {
            if keep[i] {
                out.append(contentsOf: bytes[range])
                if range.upperBound < bytes.count { out.append(UInt8(ascii: "\n")) }
                linesAfter += 1
            } else {
                dropped += 1
            }
        }
        if dropped > 0 { try SessionFiles.replaceAtomically(url, with: out, operation: "writing the compacted events.jsonl") }
        if stepsEvery > 1 && manifest.stepEventsEvery != stepsEvery {   // stride 1 keeps every step: nothing to record
            manifest.stepEventsEvery = stepsEvery
            try SessionWriter.writeManifest(manifest, in: folder)
        }
        return CompactionReport(session: manifest.name, stepsEvery: stepsEvery, linesBefore: lines.count, linesAfter: linesAfter,
                                bytesBefore: bytes.count, bytesAfter: out.count, stepsDropped: dropped)
    }

    /// Ranges of the lines of `bytes`, without their newlines; a last line without a newline is included.
    static func splitLines(_ bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        for i in bytes.indices where bytes[i] == UInt8(ascii: "\n") {
            ranges.append(start..<i)
            start = i + 1
        }
        if start < bytes.count { ranges.append(start..<bytes.count) }
        return ranges
    }

    /// Which lines survive: everything but the step events that are neither on the stride nor the last step of
    /// their epoch within their run attempt (a `run_start` or `run_end` of the run closes an attempt).
    static func keptLines(_ lines: [ArraySlice<UInt8>], stepsEvery: Int) -> [Bool] {
        let decoder = SessionFormat.decoder()
        var keep = [Bool](repeating: true, count: lines.count)
        // Per run: the line of its latest step event not on the stride, and that event's epoch.
        var pending: [RunID: (line: Int, epoch: Int)] = [:]
        for (i, line) in lines.enumerated() {
            guard let event = try? decoder.decode(TrainingEvent.self, from: Data(line)) else { continue }
            switch event {
            case let .step(id, step, epoch, _, _, _):
                // A pending step of the same epoch was not its epoch's last: drop it; of an earlier epoch: keep it.
                if let p = pending[id], p.epoch == epoch { keep[p.line] = false }
                pending[id] = step % stepsEvery == 0 ? nil : (i, epoch)
            case let .runStart(id, _, _, _, _), let .runEnd(id, _, _, _, _, _, _):
                pending[id] = nil
            default: break
            }
        }
        return keep
    }
}
