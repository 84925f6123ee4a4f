import ArgumentParser
import DeniCore
import DeniData
import Foundation

/// `deni datasets`: every registered dataset with split sizes, class balance, paper max length and whether
/// its files are present (and if not, which files to put where).
struct DatasetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasets",
        abstract: "List the paper's datasets: split sizes, class balance, max length, and whether each is present."
    )

    @Option(name: .long, help: "Data folder (default: the project's data/, or DENI_DATA).")
    var data: String?

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let directory = ProjectPaths.data(data)
        let rows = DatasetCatalog.rows(dataDirectory: directory)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        } else {
            print(DatasetCatalog.table(rows, dataDirectory: directory))
        }
    }
}
