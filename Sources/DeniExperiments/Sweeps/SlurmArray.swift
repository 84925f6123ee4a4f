import DeniCore
import Foundation

/// How a sweep is spread over a Slurm job array (`deni sweep --slurm`).
public struct SlurmOptions: Codable, Sendable, Equatable {
    public var partition: String?
    /// Wall-time limit of each array task, in Slurm's notation ("2:00:00").
    public var time: String?
    public var cpusPerTask: Int
    /// Consecutive tasks (run × strategy) each array task trains.
    public var tasksPerJob: Int

    public init(partition: String? = nil, time: String? = nil, cpusPerTask: Int, tasksPerJob: Int = 1) {
        self.partition = partition; self.time = time; self.cpusPerTask = cpusPerTask; self.tasksPerJob = tasksPerJob
    }

    /// Why a partition or time limit cannot go into the sbatch script (they are written into `#SBATCH` lines, so a
    /// newline or a shell character would add lines of its own), or nil.
    public var problem: String? {
        if let p = partition, p.isEmpty || !p.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-.,+".unicodeScalars.contains($0)) }) {
            return "--partition '\(p.debugDescription.dropFirst().dropLast())': a partition name (letters, digits, _ - . + and commas between names)"
        }
        if let t = time, !Self.isTimeLimit(t) {
            return "--time '\(t.debugDescription.dropFirst().dropLast())': a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS, or UNLIMITED)"
        }
        return nil
    }

    static func isTimeLimit(_ t: String) -> Bool {
        if ["unlimited", "infinite"].contains(t.lowercased()) { return true }
        let dayParts = t.split(separator: "-", omittingEmptySubsequences: false)
        guard dayParts.count <= 2, !t.isEmpty else { return false }
        let clock = dayParts.last!.split(separator: ":", omittingEmptySubsequences: false)
        func number(_ s: Substring) -> Bool { !s.isEmpty && s.count <= 6 && s.allSatisfy(\.isASCII) && s.allSatisfy(\.isNumber) }
        if dayParts.count == 2 && !number(dayParts[0]) { return false }
        return (1...3).contains(clock.count) && clock.allSatisfy(number)
    }
}

/// What was submitted for a session: `slurm/submission.json` beside the sbatch script `slurm/sweep.sbatch`.
public struct SlurmSubmission: Codable, Sendable, Equatable {
    public struct Job: Codable, Sendable, Equatable {
        public var id: String
        /// The array task ids this submission covers (all of them first; the failed ones on a resubmission).
        public var arrayTasks: [Int]
        public var submitted: Date
    }
    public var options: SlurmOptions
    public var arraySize: Int
    public var jobs: [Job]
}

/// The state of one array task, from its shard (finished runs) and the scheduler (`squeue`, `sacct`).
public enum ArrayTaskState: String, Codable, Sendable {
    case done, running, pending
    /// Unfinished and no longer queued: died, timed out, was cancelled or its node failed.
    case failed
    /// Unfinished, and no scheduler to ask (the status was read on a machine without `squeue`).
    case unknown
}

public struct ArrayTaskStatus: Codable, Sendable, Equatable {
    public var task: Int
    public var runs: Int
    public var runsDone: Int
    public var state: ArrayTaskState
    /// The scheduler's own word (sacct's State, e.g. TIMEOUT), when it has one.
    public var detail: String?
}

public struct SlurmStatus: Codable, Sendable, Equatable {
    public var session: String
    public var jobs: [String]
    public var runs: Int
    public var runsDone: Int
    public var arrayTasks: [ArrayTaskStatus]
    /// Whether `squeue` answered (otherwise unfinished tasks are `unknown`).
    public var schedulerAnswered: Bool
    /// The shards were merged and the session closed as finished.
    public var finished: Bool

    public func count(_ state: ArrayTaskState) -> Int { arrayTasks.filter { $0.state == state }.count }
}

/// A sweep as a Slurm job array: the sbatch script, submission, status, resubmission of the failed array tasks
/// and the final merge. Array task k trains tasks `SweepTasks.share(k, perJob:)` into its own shard
/// `shards/task-k.jsonl` (no two nodes append to one file; the session folder is on the shared file system);
/// the array task that finds every run finished merges the shards and closes the session (`deni sweep --status`
/// does the same if none could).
public enum SlurmArray {
    public static let folder = "slurm"
    static let submissionFile = "submission.json"
    public static let scriptFile = "sweep.sbatch"

    public enum Failure: Error, CustomStringConvertible {
        case noSlurm(tool: String)
        case submission(command: String, message: String)
        case unsuitablePath(String)
        case notSlurm(path: String)
        public var description: String {
            switch self {
            case .noSlurm(let tool):
                "--slurm: '\(tool)' is not on PATH — this machine has no Slurm client (run on the cluster's login node, install slurm-client, or use --workers N here)"
            case .submission(let command, let message): "\(command) failed: \(message) (nothing was submitted; the session was removed)"
            case .unsuitablePath(let p): "--slurm: the path \(p) holds a space, quote or newline, which an sbatch script cannot carry safely; move it"
            case .notSlurm(let p): "\(p) was not submitted to Slurm (no slurm/submission.json)"
            }
        }
    }

    public static func submissionURL(_ session: URL) -> URL {
        session.appendingPathComponent(folder).appendingPathComponent(submissionFile)
    }

    /// The recorded submission, nil for a session that was never submitted.
    public static func submission(_ session: URL) throws -> SlurmSubmission? {
        let url = submissionURL(session)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do { return try SessionFormat.decoder().decode(SlurmSubmission.self, from: Data(contentsOf: url)) }
        catch { throw SessionError.corruptManifest(path: url.path, detail: SessionReader.describe(error)) }
    }

    static func save(_ submission: SlurmSubmission, in session: URL) throws {
        try SessionFiles.replaceAtomically(submissionURL(session), with: Array(try SessionFormat.encoder(pretty: true).encode(submission)),
                                           operation: "writing the Slurm submission record")
    }

    /// The sbatch script of a session's array: every array task runs `deni sweep --worker SESSION --task K`.
    public static func script(session: URL, name: String, executable: URL, model: URL, data: URL, options: SlurmOptions,
                              arraySize: Int) throws -> String {
        for p in [session.path, executable.path, model.path, data.path] where p.contains(where: { " \t\n'\"\\$`".contains($0) }) {
            throw Failure.unsuitablePath(p)
        }
        var lines = ["#!/bin/bash",
                     "# Written by deni sweep --slurm: array task K trains its share of the sweep (\(options.tasksPerJob) task(s) of run × strategy)",
                     "# into its own shard, \(session.path)/shards/task-K.jsonl. deni sweep --status \(session.path) tells what is done.",
                     "#SBATCH --job-name=deni-\(String(name.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }.prefix(40)))",
                     "#SBATCH --array=0-\(arraySize - 1)",
                     "#SBATCH --ntasks=1",
                     "#SBATCH --cpus-per-task=\(options.cpusPerTask)",
                     "#SBATCH --output=\(session.path)/\(folder)/task-%a.out"]
        if let p = options.partition { lines.append("#SBATCH --partition=\(p)") }
        if let t = options.time { lines.append("#SBATCH --time=\(t)") }
        lines.append("exec \(executable.path) sweep --worker \(session.path) --task \"$SLURM_ARRAY_TASK_ID\" --model \(model.path) --data \(data.path)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the script and submits the array (`sbatch --parsable`), recording the job id. On failure the
    /// error carries sbatch's own message.
    public static func submit(session: URL, config: ExperimentConfig, executable: URL, model: URL, data: URL,
                              options: SlurmOptions, now: Date = Date()) throws -> SlurmSubmission {
        let size = SweepTasks(config).arraySize(perJob: options.tasksPerJob)
        let text = try script(session: session, name: config.name, executable: executable, model: model, data: data,
                              options: options, arraySize: size)
        let dir = session.appendingPathComponent(folder)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(scriptFile)
        try SessionFiles.replaceAtomically(url, with: Array(text.utf8), operation: "writing the sbatch script")
        let id = try sbatch([url.path])
        let submission = SlurmSubmission(options: options, arraySize: size,
                                         jobs: [.init(id: id, arrayTasks: Array(0..<size), submitted: now)])
        try save(submission, in: session)
        return submission
    }

    /// Runs sbatch and returns the job id it printed.
    static func sbatch(_ arguments: [String]) throws -> String {
        guard let out = try ExternalTool.run("sbatch", ["--parsable"] + arguments) else { throw Failure.noSlurm(tool: "sbatch") }
        let id = out.stdout.split(separator: "\n").first.map { String($0.split(separator: ";")[0]) }?.trimmingCharacters(in: .whitespaces) ?? ""
        guard out.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw Failure.submission(command: "sbatch", message: out.message)
        }
        return id
    }

    /// Where every array task stands. `squeue` (and `sacct`, when accounting is on) are asked when present.
    public static func status(_ session: URL) throws -> SlurmStatus {
        guard let submission = try submission(session) else { throw Failure.notSlurm(path: session.path) }
        let recorded = try SessionReader.read(session)
        let tasks = SweepTasks(recorded.config)
        let done = tasks.done(recorded.finishedRuns)
        let jobs = submission.jobs.map(\.id)
        let queue = try queued(jobs: jobs)
        let accounting = queue == nil ? [:] : try accounted(jobs: jobs)
        var rows: [ArrayTaskStatus] = []
        for k in 0..<submission.arraySize {
            let share = tasks.share(k, perJob: submission.options.tasksPerJob)
            let finished = share.filter { done.contains($0) }.count
            // The latest submission that covers k is the one that decides.
            let job = submission.jobs.last { $0.arrayTasks.contains(k) }?.id ?? ""
            let key = "\(job)_\(k)"
            var row = ArrayTaskStatus(task: k, runs: share.count, runsDone: finished, state: .unknown, detail: accounting[key])
            if finished == share.count { row.state = .done }
            else if let queue {
                switch queue[key] {
                case "PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "SUSPENDED": row.state = .pending
                case .some: row.state = .running
                case nil: row.state = .failed
                }
                if row.state != .failed { row.detail = queue[key] }
            }
            rows.append(row)
        }
        return SlurmStatus(session: session.path, jobs: jobs, runs: tasks.count, runsDone: done.count, arrayTasks: rows,
                           schedulerAnswered: queue != nil, finished: recorded.status == .finished)
    }

    /// "JOB_TASK" → state for the array tasks of `jobs` still known to `squeue` (pending ones expanded with
    /// `-r`); nil without `squeue`.
    static func queued(jobs: [String]) throws -> [String: String]? {
        guard let out = try ExternalTool.run("squeue", ["-h", "-r", "-o", "%i %T"]) else { return nil }
        guard out.status == 0 else { throw Failure.submission(command: "squeue", message: out.message) }
        return parseQueue(out.stdout, jobs: Set(jobs))
    }

    static func parseQueue(_ text: String, jobs: Set<String>) -> [String: String] {
        var states: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let job = parts[0].split(separator: "_").first, jobs.contains(String(job)) else { continue }
            states[String(parts[0])] = String(parts[1])
        }
        return states
    }

    /// "JOB_TASK" → sacct's State, when accounting is on (empty otherwise: sacct refuses without a database).
    static func accounted(jobs: [String]) throws -> [String: String] {
        guard let out = try ExternalTool.run("sacct", ["-n", "-P", "-X", "-o", "JobID,State", "-j", jobs.joined(separator: ",")]),
              out.status == 0 else { return [:] }
        var states: [String: String] = [:]
        for line in out.stdout.split(separator: "\n") {
            let parts = line.split(separator: "|")
            if parts.count >= 2 { states[String(parts[0])] = String(parts[1].split(separator: " ")[0]) }
        }
        return states
    }

    /// Resubmits the failed array tasks (`sbatch --array=LIST`, the same script); returns them (empty: nothing
    /// failed, nothing submitted).
    public static func resubmitFailed(_ session: URL, now: Date = Date()) throws -> [Int] {
        let state = try status(session)
        guard state.schedulerAnswered else { throw Failure.noSlurm(tool: "squeue") }
        let failed = state.arrayTasks.filter { $0.state == .failed }.map(\.task)
        guard !failed.isEmpty, var submission = try submission(session) else { return [] }
        let script = session.appendingPathComponent(folder).appendingPathComponent(scriptFile)
        let id = try sbatch(["--array=" + failed.map(String.init).joined(separator: ","), script.path])
        submission.jobs.append(.init(id: id, arrayTasks: failed, submitted: now))
        try save(submission, in: session)
        return failed
    }

    /// Merges the shards and closes the session as finished once every run has finished (by exactly one caller:
    /// an `O_EXCL` claim). True when this call closed it.
    @discardableResult
    public static func finishIfComplete(_ session: URL) throws -> Bool {
        let recorded = try SessionReader.read(session)
        guard recorded.status != .finished else { return false }
        let tasks = SweepTasks(recorded.config)
        guard tasks.done(recorded.finishedRuns).count == tasks.count, SessionShards.claimFinish(session) else { return false }
        let writer = try SessionWriter.resume(session)
        try SessionShards.merge(into: writer)
        try writer.finish(summary: try SessionReader.read(session).derivedResults())
        return true
    }

    /// Refuses to go on with a session locally while array tasks of its Slurm jobs are queued or running.
    public static func refuseIfActive(_ session: URL) throws {
        guard let submission = try submission(session), let queue = try queued(jobs: submission.jobs.map(\.id)), !queue.isEmpty else { return }
        throw SessionError.refused(path: session.path, reason: "\(queue.count) array task(s) of its Slurm job(s) \(submission.jobs.map(\.id).joined(separator: ", ")) are still queued or running — wait for them (deni sweep --status), or scancel them first")
    }
}
