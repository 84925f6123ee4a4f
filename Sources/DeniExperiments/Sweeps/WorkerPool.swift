import DeniCore
import DeniTraining
import Foundation

/// One worker of a sweep (a process started by `WorkerPoolDriver`, or a Slurm array task): it takes the
/// session's unfinished tasks one at a time by claiming them (`SessionShards.claim`) or trains its fixed share
/// (a Slurm array task's), each exactly as
/// `deni run` would (the thread count is the config's, fixed when the sweep was created) and appends the
/// events to its own shard. Which worker ran a task does not change its result.
public enum SweepWorker {
    /// Trains the session's unfinished tasks: those it claims (`share` nil: a worker of `--workers`), or the
    /// tasks of `share` (a Slurm array task's fixed share).
    public static func run(session folder: URL, worker name: String, share: Range<Int>? = nil, model: URL, data: URL,
                           sink: EventSink, control: RunControl) throws {
        let manifest = try SessionReader.readManifest(folder)
        let runner = ExperimentRunner(dataDirectory: data, modelDirectory: model)
        runner.skip = try SessionReader.finishedRuns(in: folder)
        runner.claim = share.map { share in { share.contains($0) } } ?? { SessionShards.claim(folder, task: $0) }
        let shard = try ShardWriter(session: folder, worker: name)
        defer { shard.close() }
        try runner.run(manifest.config, sink: FanOut([shard, sink]), control: control)
        if let e = shard.writeError { throw e }
    }
}

/// Runs a recorded experiment on `workers` processes of the `deni` executable (`deni sweep --worker`), each
/// training the tasks it claims into its own shard; when they are done (or stopped) the shards' events are
/// published to the sink — the session's writer among them — in shard order, and the shards removed.
/// A worker that fails makes the run throw after the others finished and the events were kept.
public final class WorkerPoolDriver: ExperimentDriver, @unchecked Sendable {
    public let session: URL
    public let workers: Int
    public let executable: URL
    public let model: URL, data: URL

    public init(session: URL, workers: Int, executable: URL, model: URL, data: URL) {
        self.session = session; self.workers = workers; self.executable = executable; self.model = model; self.data = data
    }

    /// Workers when none are asked for: as many as this machine's cores hold at the config's threads each, at
    /// least one. Measured on 2 vCPUs (docs/performance.md): 1 thread per run trains a sweep 1.91× faster on
    /// 2 workers than on one; 2 threads per run gain nothing from a second worker (38.7 s against 38.5 s).
    public static func defaultWorkers(threads: Int, cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        min(256, max(1, cores / max(1, threads)))
    }

    public struct WorkerFailed: Error, CustomStringConvertible {
        public var failures: [String]
        public var description: String { "sweep worker failed: " + failures.joined(separator: "; ") }
    }

    public func run(_ config: ExperimentConfig, sink: EventSink, control: RunControl) throws {
        SessionShards.clearClaims(session)
        var processes: [Process] = []
        for k in 1...workers {
            let p = Process()
            p.executableURL = executable
            p.arguments = ["sweep", "--worker", session.path, "--shard", "worker-\(k)", "--model", model.path, "--data", data.path]
            p.standardInput = FileHandle.nullDevice
            try p.run()
            processes.append(p)
        }
        // Forward a stop request to the workers (each stops after its current step, keeping what finished).
        var stopped = false
        while processes.contains(where: \.isRunning) {
            if control.isCancelled && !stopped {
                stopped = true
                for p in processes where p.isRunning { p.terminate() }
            }
            usleep(100_000)
        }
        var failures: [String] = []
        for (k, p) in processes.enumerated() where p.terminationStatus != 0 && !(stopped && p.terminationStatus == 130) {
            failures.append("worker-\(k + 1) exited with status \(p.terminationStatus)")
        }
        try SessionShards.publish(session, to: sink)
        SessionShards.remove(session)
        if !failures.isEmpty && !stopped { throw WorkerFailed(failures: failures) }
    }
}
