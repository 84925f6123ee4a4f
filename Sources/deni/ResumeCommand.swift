import ArgumentParser
import DeniCore
import DeniExperiments
import Foundation

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume",
        abstract: "Continue an interrupted experiment: finished runs are kept, the interrupted run restarts.")

    @Argument(help: "Session folder, or a (unique part of a) session name under sessions/.") var session: String
    @Flag(help: "Machine-readable results.") var json = false
    @Option(help: "Sessions folder (default: sessions/ in the project).") var sessions: String?
    @Option(help: "Model folder (default: the one the session used, if present, else the installed one).") var model: String?
    @Option(help: "Data folder (default: the one setup filled).") var data: String?
    @Option(help: "Worker processes, each with the config's threads (default: for a sweep, cores ÷ threads; else 1).") var workers: Int?

    func run() throws {
        if let w = workers, !(1...256).contains(w) { throw ValidationError("--workers \(w): 1…256") }
        let folder = try SessionCatalog.resolve(session, in: ProjectPaths.sessions(sessions))
        switch try SessionRecording.resume(folder, model: model.map { URL(fileURLWithPath: $0) }, data: ProjectPaths.data(data)) {
        case let .finished(done, planned):
            FileHandle.standardError.write(Data("\(folder.lastPathComponent) is already finished (\(done)/\(planned) runs)\n".utf8))
        case let .resume(writer, runner, config, done, planned):
            FileHandle.standardError.write(Data("resuming \(folder.lastPathComponent): \(done)/\(planned) runs finished\n".utf8))
            let workers = self.workers ?? (config.sweep == nil ? 1 : WorkerPoolDriver.defaultWorkers(threads: config.threads))
            if workers == 1 {
                try RecordedExecution.execute(config, writer: writer, runner: runner, alreadyDone: done, json: json)
            } else {
                let pool = WorkerPoolDriver(session: folder, workers: workers, executable: SweepCommand.executable,
                                            model: runner.modelDirectory, data: runner.dataDirectory)
                try RecordedExecution.execute(config, writer: writer, driver: pool, progress: nil, json: json)
            }
        }
    }
}
