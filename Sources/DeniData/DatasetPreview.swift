/// What a dataset looks like before anything trains on it: its size and parts, the columns a user's file was
/// read from, the classes with their counts and the first rows. The UI's Setup shows it for a user's file.
public struct DatasetPreview: Sendable, Hashable {
    public var name: String
    public var examples: Int
    /// "train 900 · test 100" (a user's separate test file), or "all 1000".
    public var parts: String
    public var columns: String?
    public var classNames: [String]
    public var classCounts: [Int]
    /// The first rows in file order.
    public var firstRows: [Example]
    public var skippedRows: Int
}

extension Dataset {
    public func preview(rows n: Int = 5) -> DatasetPreview {
        DatasetPreview(name: name, examples: examples.count,
                       parts: parts.map { "\($0.name) \($0.range.count)" }.joined(separator: " · "),
                       columns: columns, classNames: classNames, classCounts: classCounts(),
                       firstRows: Array(examples.prefix(n)), skippedRows: skipped.count)
    }
}
