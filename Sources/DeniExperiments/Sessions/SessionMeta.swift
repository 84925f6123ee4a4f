import DeniCore
import Foundation

/// What a user adds to a session after the fact: tags and a note, in `meta.json` beside the manifest (the
/// recorded files stay untouched). A session without the file has no tags and no note. Read by `deni sessions`,
/// written by `deni tag` and the UI's Sessions browser.
public struct SessionMeta: Codable, Hashable, Sendable {
    public static let file = "meta.json"
    /// Sorted, unique, each trimmed and without commas.
    public private(set) var tags: [String] = []
    public var note: String?

    public init(tags: [String] = [], note: String? = nil) {
        self.note = note
        setTags(tags)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(tags: try c.decodeIfPresent([String].self, forKey: .tags) ?? [],
                  note: try c.decodeIfPresent(String.self, forKey: .note))
    }

    /// Replaces the tags: each trimmed, empty ones dropped, commas split into separate tags, sorted, unique.
    public mutating func setTags(_ list: [String]) {
        tags = Array(Set(list.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })).sorted()
    }

    /// Tags from a comma-separated line ("cola, seed-study").
    public static func tags(parsing line: String) -> [String] { SessionMeta(tags: [line]).tags }

    /// The session's meta (empty when it has none); a file that is not JSON of a meta names the file and the problem.
    public static func read(_ session: URL) throws(SessionError) -> SessionMeta {
        let url = session.appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else { return SessionMeta() }
        let data: Data
        do { data = try FileProblem.contents(of: url) }
        catch { throw SessionError.io(path: url.path, operation: "reading \(file)", detail: FileProblem.describe(error)) }
        do { return try JSONDecoder().decode(SessionMeta.self, from: data) }
        catch {
            // Not an I/O error: the contents are not a meta.
            throw SessionError.refused(path: url.path, reason: "not a tags-and-note file (\(StrictDecoding.describe(error, decoding: data))); fix it, or delete it to start the tags and note afresh")
        }
    }

    /// Writes `meta.json` atomically (removes it when the meta is empty).
    public func write(_ session: URL) throws(SessionError) {
        let url = session.appendingPathComponent(SessionMeta.file)
        guard FileManager.default.fileExists(atPath: session.appendingPathComponent(SessionFormat.manifestFile).path) else {
            throw SessionError.notFound(path: session.path)
        }
        if tags.isEmpty && (note ?? "").isEmpty {
            if FileManager.default.fileExists(atPath: url.path) { do { try FileManager.default.removeItem(at: url) } catch {
                throw SessionError.io(path: url.path, operation: "removing \(SessionMeta.file)", detail: FileProblem.describe(error))
            } }
            return
        }
        let bytes: Data
        do { bytes = try SessionFormat.encoder(pretty: true).encode(self) } catch {
            throw SessionError.io(path: url.path, operation: "encoding \(SessionMeta.file)", detail: "\(error)")
        }
        try SessionFiles.replaceAtomically(url, with: Array(bytes), operation: "writing \(SessionMeta.file)")
    }
}
