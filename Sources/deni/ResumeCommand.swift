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

    func run() throws {
        let folder = try SessionCatalog.resolve(session, in: ProjectPaths.sessions(sessions))
        let recorded = try SessionReader.read(folder)
        let finished = recorded.finishedRuns
        let config = recorded.config
        let planned = config.runs * config.strategies.count
        if finished.count >= planned && recorded.status == .finished {
            FileHandle.standardError.write(Data("\(folder.lastPathComponent) is already finished (\(finished.count)/\(planned) runs)\n".utf8))
            return
        }
        let writer = try SessionWriter.resume(folder)
        FileHandle.standardError.write(Data("resuming \(folder.lastPathComponent): \(finished.count)/\(planned) runs finished\n".utf8))
        let modelURL = model.map { URL(fileURLWithPath: $0) }
            ?? (FileManager.default.fileExists(atPath: recorded.manifest.model.folder) ? URL(fileURLWithPath: recorded.manifest.model.folder) : ProjectPaths.model())
        let runner = ExperimentRunner(dataDirectory: ProjectPaths.data(data), modelDirectory: modelURL)
        runner.skip = finished
        try ExperimentExecution.execute(config, writer: writer, runner: runner, json: json)
    }
}
