import DeniCore
import Foundation
import XCTest
@testable import DeniModel

/// Shared helpers of the tokenizer tests: the reference model's tokenizer, fixture files, temporary vocabularies.
enum TokenizerTestSupport {
    /// The tokenizer of the project's model folder, loaded once; nil when the folder is missing.
    static let modelTokenizer: BertTokenizer? = try? BertTokenizer(modelFolder: ProjectPaths.model())

    /// The model's tokenizer, or an `XCTSkip` when the model has not been downloaded.
    static func tokenizer() throws -> BertTokenizer {
        guard let tokenizer = modelTokenizer else {
            throw XCTSkip("model folder \(ProjectPaths.model().path) is missing: \(ProjectPaths.modelHowTo)")
        }
        return tokenizer
    }

    /// The URL of `Fixtures/<name>.<ext>` in the test bundle.
    static func fixture(_ name: String, _ ext: String) throws -> URL {
        try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures"),
                      "fixture \(name).\(ext) missing; run scripts/reference/make_tokenizer_fixtures.py")
    }

    /// All fixture files whose name starts with `prefix`, sorted.
    static func fixtures(prefix: String) throws -> [URL] {
        let folder = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasPrefix(prefix) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// Writes `contents` to a new temporary folder as `name` and returns the file's URL.
    static func temporaryFile(_ name: String, _ contents: Data) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("deni-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try contents.write(to: url)
        return url
    }

    /// A small vocabulary: the five special tokens at ids 0…4, then `tokens`.
    static func vocabFile(_ tokens: [String]) throws -> URL {
        let lines = BertTokenizer.specialTokenNames + tokens
        return try temporaryFile("vocab.txt", Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// `text` with every non-printable-ASCII scalar written as \u{…}, for failure messages.
    static func escaped(_ text: String) -> String {
        text.unicodeScalars.map { v in
            (0x20 ..< 0x7F).contains(v.value) ? String(v) : "\\u{\(String(v.value, radix: 16, uppercase: true))}"
        }.joined()
    }
}
