import DeniCore
import Foundation
import DeniExperiments

/// User presets: one `<name>.json` (an `ExperimentConfig`) per preset in a folder.
public struct PresetStore: Sendable {
    public let directory: URL
    public init(directory: URL) { self.directory = directory }

    /// Presets that decode, sorted by name, plus one message per file that did not.
    public func load() -> (presets: [Preset], problems: [String]) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory.path) else { return ([], []) }
        var presets: [Preset] = [], problems: [String] = []
        for file in names.sorted() where file.hasSuffix(".json") {
            let url = directory.appendingPathComponent(file)
            do {
                let config = try ExperimentConfig.newExperiment(from: FileProblem.contents(of: url))
                presets.append(Preset(name: String(file.dropLast(5)), config: config, builtIn: false))
            } catch {
                problems.append("preset \(url.path) skipped: \(FileProblem.describe(error))")
            }
        }
        return (presets, problems)
    }

    /// Writes the preset atomically (temp file + rename).
    public func save(_ preset: Preset) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try preset.config.encoded().write(to: directory.appendingPathComponent(preset.name + ".json"), options: .atomic)
    }
}
