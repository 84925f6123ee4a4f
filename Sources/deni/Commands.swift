import ArgumentParser

// Every subcommand is listed here, one line each (kept apart so concurrent work merges cleanly).
extension Deni {
    static let commands: [ParsableCommand.Type] = [
        SessionsCommand.self,
        ShowCommand.self,
        ReplayCommand.self,
        CompareCommand.self,
        ExportCommand.self,
    ]
}
