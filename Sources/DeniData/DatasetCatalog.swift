import Foundation

/// The overview the `datasets` command prints: every registered dataset with its split sizes, class balance,
/// paper max length and whether its files are present (and if not, what to put where).

public struct DatasetCatalogRow: Sendable, Codable, Hashable {
    public struct Split: Sendable, Codable, Hashable {
        public var name: String
        public var role: SplitRole
        public var rows: Int
        /// True when `rows` is the documented size (dataset absent), false when counted from the files.
        public var documented: Bool
    }

    public var key: String
    public var title: String
    public var task: String
    public var classNames: [String]
    public var maxLength: Int
    public var isPair: Bool
    public var splits: [Split]
    /// All splits together (the pool the protocol splits 80/20).
    public var pooled: Int
    /// Pooled examples per class; nil when the dataset is absent or failed to load.
    public var classCounts: [Int]?
    public var present: Bool
    /// What to put where, when absent.
    public var missing: String?
    /// The loader's error, when the files are present but cannot be read.
    public var loadError: String?
    public var source: String
    public var licence: String

    /// Class balance in words: "50.0/50.0 %" for two classes, else the smallest and largest class share.
    public var balance: String {
        guard let counts = classCounts, pooled > 0 else { return "-" }
        let shares = counts.map { 100 * Double($0) / Double(pooled) }
        if shares.count == 2 { return String(format: "%.1f/%.1f %%", shares[0], shares[1]) }
        return String(format: "%.1f–%.1f %%", shares.min()!, shares.max()!)
    }
}

public enum DatasetCatalog {
    /// One row per registered dataset; present datasets are loaded and counted.
    public static func rows(dataDirectory: URL) -> [DatasetCatalogRow] {
        DatasetRegistry.all.map { info in
            var row = DatasetCatalogRow(
                key: info.key, title: info.title, task: info.task, classNames: info.classNames, maxLength: info.maxLength,
                isPair: info.isPair, splits: [], pooled: 0, classCounts: nil, present: info.isPresent(in: dataDirectory),
                missing: nil, loadError: nil, source: info.source, licence: info.licence)
            var documented: [DatasetCatalogRow.Split] = []
            for f in info.files where !documented.contains(where: { $0.name == f.split }) {
                documented.append(.init(name: f.split, role: f.role, rows: f.documentedRows, documented: true))
            }
            if !row.present {
                row.missing = info.missingMessage(dataDirectory: dataDirectory)
                row.splits = documented
            } else {
                do {
                    let d = try DatasetRegistry.load(info.key, dataDirectory: dataDirectory, options: LoadOptions())
                    row.splits = d.parts.map { .init(name: $0.name, role: $0.role, rows: $0.range.count, documented: false) }
                    row.classCounts = d.classCounts()
                } catch {
                    row.loadError = "\(error)"
                    row.splits = documented
                }
            }
            row.pooled = row.splits.reduce(0) { $0 + $1.rows }
            return row
        }
    }

    /// A plain-text table of `rows`, then one line per missing or unreadable dataset.
    public static func table(_ rows: [DatasetCatalogRow], dataDirectory: URL) -> String {
        let header = ["dataset", "task", "classes", "splits", "pooled", "class balance", "max len", "present"]
        let body = rows.map { r -> [String] in
            let splits = r.splits.map { "\($0.name) \($0.rows)" }.joined(separator: " / ")
            let status = r.loadError != nil ? "unreadable" : r.present ? "yes" : "no"
            return [r.key, r.task, "\(r.classNames.count)", splits, "\(r.pooled)", r.balance, "\(r.maxLength)", status]
        }
        let widths = header.indices.map { c in ([header] + body).map { $0[c].count }.max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, s in s.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        var out = [line(header)] + body.map(line)
        out.append("")
        out.append("data folder: \(dataDirectory.path)")
        if rows.contains(where: { !$0.present }) { out.append("(sizes of absent datasets are the documented ones)") }
        for r in rows {
            if let m = r.missing { out.append("- \(m)") }
            if let e = r.loadError { out.append("- \(r.key): \(e)") }
        }
        return out.joined(separator: "\n")
    }
}
