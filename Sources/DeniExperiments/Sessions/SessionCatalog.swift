import DeniCore
import DeniData
import DeniTraining
import Foundation

/// The best row of a session's results (highest mean macro-F1).
public struct BestStrategy: Codable, Hashable, Sendable {
    public var strategy: String
    public var mean: Double
    public var std: Double
    public var runs: Int
}

/// One line of `deni sessions`.
public struct SessionListing: Codable, Hashable, Sendable {
    /// The name the session was recorded under (`manifest.json`).
    public var name: String
    /// Its folder under the sessions folder ("20260101-120000-cola", "study/…"): what names it exactly.
    public var folder: String
    public var path: String
    public var created: Date?
    public var dataset: String?
    public var strategies: [String]
    /// The settings a sweep varies ("deni.noiseVariance 0.05,0.15,0.5 × deni.ensembleSize 3,5"), or the number of
    /// variants of an experiment that holds a strategy more than once ("3 variants"); nil otherwise.
    public var varies: String?
    /// Runs with a `run_end` (any status) / runs planned (runs × strategies).
    public var runsDone: Int
    public var runsPlanned: Int
    /// Effective status (`running` without a live writer reads `interrupted`), or "unreadable".
    public var status: String
    public var best: BestStrategy?
    /// Why the session could not be read, or the read diagnostics that need attention.
    public var problems: [String]
    /// The user's tags and note (`meta.json`).
    public var tags: [String] = []
    public var note: String?
}

/// Finding sessions in the sessions folder.
public enum SessionCatalog {
    /// Session folders directly under `folder`, and one level down in the folders that group sessions (as
    /// `study/<name>`, `examples/<name>`…): any sub-folder that is not a session itself.
    static func candidates(in folder: URL) -> [String] {
        let fm = FileManager.default
        func isSession(_ name: String) -> Bool {
            fm.fileExists(atPath: folder.appendingPathComponent(name).appendingPathComponent(SessionFormat.manifestFile).path)
        }
        // Hidden folders (the trash, `.trash/`) hold no listed sessions.
        let top = ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        var names = top.filter(isSession)
        for sub in top where !names.contains(sub) {
            var isFolder: ObjCBool = false
            guard fm.fileExists(atPath: folder.appendingPathComponent(sub).path, isDirectory: &isFolder), isFolder.boolValue else { continue }
            names += ((try? fm.contentsOfDirectory(atPath: folder.appendingPathComponent(sub).path)) ?? []).sorted()
                .map { sub + "/" + $0 }.filter(isSession)
        }
        return names
    }

    /// Every sub-folder of `folder` (and of the folders grouping sessions) holding a `manifest.json`, oldest
    /// first within each folder (names start with the date). Unreadable sessions are listed with status "unreadable" and the reason.
    public static func list(in folder: URL) -> [SessionListing] {
        return candidates(in: folder).compactMap { name -> SessionListing? in
            let url = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent(SessionFormat.manifestFile).path) else { return nil }
            var l: SessionListing
            do { l = listing(try SessionReader.read(url)) }
            catch {
                l = SessionListing(name: name, folder: name, path: url.path, created: nil, dataset: nil, strategies: [], varies: nil, runsDone: 0,
                                   runsPlanned: 0, status: "unreadable", best: nil, problems: ["\(error)"])
            }
            l.folder = name
            do { let meta = try SessionMeta.read(url); l.tags = meta.tags; l.note = meta.note } catch { l.problems.append("\(error)") }
            return l
        }
    }

    public static func listing(_ s: RecordedSession) -> SessionListing {
        var ended = Set<RunID>()
        for case let .runEnd(id, _, _, _, _, _, _) in s.events { ended.insert(id) }
        let table = s.manifest.summary ?? s.derivedResults()   // means only: the recorded summary will do
        let best = table.rows.filter { $0.macroF1.count > 0 && $0.macroF1.mean.isFinite }.max { $0.macroF1.mean < $1.macroF1.mean }
        var problems = s.diagnostics.messages
        if let failure = s.manifest.failure { problems.insert(failure, at: 0) }
        return SessionListing(name: s.manifest.name, folder: s.folder.lastPathComponent, path: s.folder.path, created: s.manifest.created, dataset: s.manifest.dataset.key,
                              strategies: s.config.strategies.map(\.label), varies: varies(s.config), runsDone: ended.count,
                              runsPlanned: s.config.runs * s.config.strategies.count, status: s.status.rawValue,
                              best: best.map { BestStrategy(strategy: $0.strategy, mean: $0.macroF1.mean, std: $0.macroF1.std, runs: $0.runs) },
                              problems: problems)
    }

    /// What a session varies: its sweep's axes, or how many strategies are variants of a kind listed twice or more.
    public static func varies(_ c: ExperimentConfig) -> String? {
        if let sweep = c.sweep {
            let axes = sweep.axes.map { "\($0.key) \($0.grid.joined(separator: ","))" }.joined(separator: " × ")
            return sweep.random.map { "\(axes) (\($0) random points)" } ?? axes
        }
        let kinds = Dictionary(grouping: c.strategies, by: \.kind).filter { $0.value.count > 1 }
        let n = kinds.values.reduce(0) { $0 + $1.count }
        return n > 0 ? "\(n) variants" : nil
    }

    /// Strategy labels with the variants of one kind counted ("Default, DENI ×6"); the full labels are in `show`.
    public static func strategySummary(_ labels: [String]) -> String {
        var order: [String] = [], count: [String: Int] = [:]
        for l in labels {
            let kind = String(l.split(separator: "·").first ?? Substring(l)).trimmingCharacters(in: .whitespaces)
            if count[kind] == nil { order.append(kind) }
            count[kind, default: 0] += 1
        }
        return order.map { count[$0]! > 1 ? "\($0) ×\(count[$0]!)" : $0 }.joined(separator: ", ")
    }

    /// The session folder `argument` names: an existing folder path, a folder under `sessions` (or its last part,
    /// "20260101-120000-cola" for "study/20260101-120000-cola"), or a unique part of one (the config name, the date).
    /// A name several sessions match is refused, naming their folders; it never picks one.
    public static func resolve(_ argument: String, in sessions: URL) throws(SessionError) -> URL {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder), isFolder.boolValue {
            return URL(fileURLWithPath: argument)
        }
        let direct = sessions.appendingPathComponent(argument)
        if !argument.isEmpty, FileManager.default.fileExists(atPath: direct.appendingPathComponent(SessionFormat.manifestFile).path) { return direct }
        let all = candidates(in: sessions)
        for matches in [all.filter { $0.split(separator: "/").last.map(String.init) == argument }, all.filter { $0.contains(argument) }] {
            if matches.count == 1 { return sessions.appendingPathComponent(matches[0]) }
            if matches.count > 1 { throw .ambiguous(name: argument, candidates: matches) }
        }
        throw .notFound(path: "\(argument) (neither a folder nor a session under \(sessions.path))")
    }

    /// Refuses to move a session some process is writing (its `session.lock` names a live process) or whose Slurm
    /// array tasks are still queued; `what` is the operation, for the message.
    static func refuseIfBusy(_ session: URL, _ what: String) throws {
        if SessionFiles.lockIsLive(session), let lock = SessionFiles.readLock(session) {
            throw SessionError.refused(path: session.path, reason: "cannot \(what): process \(lock.pid)\(lock.host.isEmpty ? "" : " on \(lock.host)") is writing it (session.lock) — wait for it to end, or stop it first")
        }
        try SlurmArray.refuseIfActive(session)
    }

    /// Renames a session's folder to `newName` (letters, digits, `.`, `_`, `-`; not starting with `.`) beside it; the
    /// manifest keeps the name it was recorded under. Refused while the session is written. Returns the new folder.
    public static func rename(_ session: URL, to newName: String) throws -> URL {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !newName.isEmpty, !newName.hasPrefix("."), newName.allSatisfy(allowed.contains) else {
            throw SessionError.refused(path: session.path, reason: "cannot rename it to '\(newName)': a session name is letters, digits, '.', '_' and '-', not starting with '.'")
        }
        try refuseIfBusy(session, "rename it")
        let target = session.deletingLastPathComponent().appendingPathComponent(newName)
        if target.standardizedFileURL == session.standardizedFileURL { return session }
        if FileManager.default.fileExists(atPath: target.path) {
            throw SessionError.refused(path: session.path, reason: "cannot rename it to '\(newName)': \(target.path) already exists")
        }
        do { try FileManager.default.moveItem(at: session, to: target) } catch {
            throw SessionError.io(path: session.path, operation: "renaming to \(newName)", detail: FileProblem.describe(error))
        }
        return target
    }

    /// The folder deleted sessions move to: `<sessions>/.trash/` (not listed; empty it by hand to free the space).
    public static func trashFolder(in sessions: URL) -> URL { sessions.appendingPathComponent(".trash") }

    /// Deletes a session by moving its folder into the trash (`trashFolder`), as `<folder>` or `<folder>-2`, `-3`… when
    /// the name is taken there. Refused while the session is written. Returns where it went.
    public static func trash(_ session: URL, sessions: URL) throws -> URL {
        try refuseIfBusy(session, "delete it")
        let trash = trashFolder(in: sessions)
        let name = session.lastPathComponent
        var target = trash.appendingPathComponent(name), k = 1
        do {
            try FileManager.default.createDirectory(at: trash, withIntermediateDirectories: true)
            while FileManager.default.fileExists(atPath: target.path) { k += 1; target = trash.appendingPathComponent("\(name)-\(k)") }
            try FileManager.default.moveItem(at: session, to: target)
        } catch {
            throw SessionError.io(path: session.path, operation: "moving it to \(trash.path)", detail: FileProblem.describe(error))
        }
        return target
    }
}
