import ArgumentParser
import DeniCore
import DeniExperiments
import Foundation

/// `deni tag SESSION`: a session's tags and note (`meta.json` in its folder), shown by `deni sessions` and the UI.
struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Show or change a session's tags and note (kept in meta.json in its folder; `deni sessions --tag T` lists by tag).",
        discussion: "Without options, prints the session's tags and note. Tags are words without commas (\"--add cola,seeds\" adds two).")

    @Argument(help: "Session folder, or a (unique part of a) session name under the sessions folder.")
    var session: String

    @Option(help: "Add a tag (repeatable; commas separate several).")
    var add: [String] = []

    @Option(help: "Remove a tag (repeatable; commas separate several).")
    var remove: [String] = []

    @Option(help: "Set the note (free text; replaces the old one).")
    var note: String?

    @Flag(help: "Remove the note.")
    var clearNote = false

    @Flag(help: "Print the tags and note as JSON.")
    var json = false

    @Option(help: "Sessions folder (default: DENI_SESSIONS or <project>/sessions).")
    var dir: String?

    func validate() throws {
        if clearNote && note != nil { throw ValidationError("--note and --clear-note contradict each other: give one") }
    }

    func run() throws {
        let folder = try SessionCatalog.resolve(session, in: ProjectPaths.sessions(dir))
        var meta = try SessionMeta.read(folder)
        if !add.isEmpty || !remove.isEmpty || note != nil || clearNote {
            let removed = Set(SessionMeta(tags: remove).tags)
            meta.setTags(meta.tags.filter { !removed.contains($0) } + add)
            if let note { meta.note = note.isEmpty ? nil : note }
            if clearNote { meta.note = nil }
            try meta.write(folder)
        }
        if json { print(try SessionFormat.jsonText(meta)); return }
        print("\(folder.lastPathComponent.escapingControlCharacters)")
        print("  tags: \(meta.tags.isEmpty ? "—" : meta.tags.joined(separator: ", ").escapingControlCharacters)")
        print("  note: \(meta.note?.escapingControlCharacters ?? "—")")
    }
}
