import ArgumentParser

@main
struct Deni: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deni",
        abstract: "DENI workbench: study and mitigate the instability of fine-tuning.",
        subcommands: Deni.commands,
        defaultSubcommand: UICommand.self
    )
}
