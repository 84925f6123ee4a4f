import ArgumentParser
import DeniCore

@main
struct Deni: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deni",
        abstract: "DENI workbench: study and mitigate the instability of fine-tuning.",
        subcommands: Deni.commands,
        defaultSubcommand: UICommand.self
    )

    static func main() {
        // OpenBLAS picks its kernel before main runs; a CPU it does not know gets the generic one (re-exec fixes it).
        OpenBLASCore.reexecIfGeneric()
        // Flush-to-zero / denormals-are-zero on the main thread (engine worker threads set it themselves).
        FloatingPointMode.enter()
        Self.main(nil)
    }
}
