import Foundation

/// What the workbench knows about a registered dataset before loading it: where its files go, what they
/// hold, where they come from and under which terms.

/// One expected file of a registered dataset.
public struct DatasetFile: Sendable, Hashable, Codable {
    /// Path relative to the data folder, e.g. "trec/train_5500.label".
    public var path: String
    /// Path relative to the dataset's own folder, e.g. "train/seq.in" for "snips/train/seq.in".
    public var pathInFolder: String { path.split(separator: "/", maxSplits: 1).last.map(String.init) ?? path }
    /// The official split it holds ("train", "dev", "test", …) and that split's role.
    public var split: String
    public var role: SplitRole
    /// Rows as documented by the dataset's SOURCE.md.
    public var documentedRows: Int
    /// Its format, in words.
    public var format: String
}

public struct DatasetInfo: Sendable, Hashable, Codable {
    /// Registry key: trec, sst2, cola, mrpc, ag_news, snips, dbpedia, boolq.
    public var key: String
    public var title: String
    public var task: String
    public var classNames: [String]
    /// The paper's maximum length in tokens (BoolQ: our choice).
    public var maxLength: Int
    /// Whether examples are sentence pairs.
    public var isPair: Bool
    public var defaultPairMode: PairMode
    public var files: [DatasetFile]
    /// The original publishers and where the official release lives.
    public var source: String
    /// Licence or terms as stated by the source (see the dataset's SOURCE.md).
    public var licence: String
    /// What differs from the official release, if anything.
    public var notes: String

    /// Files of this dataset not present under `dataDirectory`.
    public func missingFiles(in dataDirectory: URL) -> [DatasetFile] {
        files.filter { !FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent($0.path).path) }
    }

    public func isPresent(in dataDirectory: URL) -> Bool { missingFiles(in: dataDirectory).isEmpty }

    /// What to put where, for a dataset with missing files.
    public func missingMessage(dataDirectory: URL) -> String {
        let folder = dataDirectory.appendingPathComponent(key).path
        let missing = missingFiles(in: dataDirectory).map(\.pathInFolder)
        let all = files.map { "\($0.pathInFolder) (\($0.split), \($0.format))" }
        return "dataset '\(key)' (\(title)) is missing \(missing.joined(separator: ", ")): put these files into \(folder)/: \(all.joined(separator: "; ")). Source: \(source). Run ./scripts/setup.sh to copy them from ../shared/data, or see docs/datasets.md."
    }
}
