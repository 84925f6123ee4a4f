import ArgumentParser

// Every subcommand is listed here, one line each (kept apart so concurrent work merges cleanly).
extension Deni {
    static let commands: [ParsableCommand.Type] = [
        UICommand.self,
        TokenizeCommand.self,
        ForwardCommand.self,
        TrainCommand.self,
        PredictCommand.self,
        RunCommand.self,
        SweepCommand.self,
        ResumeCommand.self,
        SessionsCommand.self,
        TagCommand.self,
        ShowCommand.self,
        ReportCommand.self,
        CompactCommand.self,
        ReplayCommand.self,
        CompareCommand.self,
        ExportCommand.self,
        DatasetsCommand.self,
        BenchCommand.self,
    ]
}
