import ArgumentParser
import DeniCore
import DeniModel
import Foundation

/// `deni tokenize`: shows how the model's tokenizer encodes a text or a pair of texts.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Show the word pieces, ids and token types the model's tokenizer gives a text (or a pair).",
        discussion: """
            The layout is [CLS] TEXT [SEP] (TEXT2 [SEP]); no padding is added.
            With --max-length, tokens are removed from the end, from the longer text of a pair first.
            """
    )

    @Flag(help: "Print one JSON object: {\"tokens\": [...], \"ids\": [...], \"type_ids\": [...]}.")
    var json = false

    @Option(name: .customLong("model"), help: ArgumentHelp("Hugging Face BERT folder holding vocab.txt (default: the project's model).", valueName: "dir"))
    var model: String?

    @Option(name: .customLong("max-length"), help: ArgumentHelp("Keep at most N tokens, special tokens included.", valueName: "n"))
    var maxLength: Int?

    @Argument(help: "The text to tokenize.")
    var text: String

    @Argument(help: "A second text, encoded as a pair with the first.")
    var text2: String?

    func validate() throws {
        let specials = text2 == nil ? 2 : 3
        if let maxLength, maxLength < specials {
            throw ValidationError("--max-length must be at least \(specials) (the [CLS]/[SEP] tokens of \(text2 == nil ? "one text" : "a pair")), got \(maxLength)")
        }
    }

    func run() throws {
        let folder = ProjectPaths.model(model)
        guard FileManager.default.fileExists(atPath: folder.path) else {
            FileHandle.standardError.write(Data("error: model folder \(folder.path) not found: \(ProjectPaths.modelHowTo)\n".utf8))
            throw ExitCode.failure
        }
        let tokenizer: BertTokenizer
        do {
            tokenizer = try BertTokenizer(modelFolder: folder)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let encoding = tokenizer.encode(text, pair: text2, maxLength: maxLength)
        print(json ? Self.json(encoding) : Self.table(encoding))
    }

    /// `{"tokens": [...], "ids": [...], "type_ids": [...]}` on one line.
    static func json(_ encoding: Encoding) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let tokens = encoding.tokens.map { token in
            (try? encoder.encode(token)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
        }
        func list(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }
        return "{\"tokens\": \(list(tokens)), \"ids\": \(list(encoding.ids.map(String.init))), \"type_ids\": \(list(encoding.typeIDs.map(String.init)))}"
    }

    /// One row per token: position, token, id, token type.
    static func table(_ encoding: Encoding) -> String {
        let tokenWidth = max(5, encoding.tokens.map(\.count).max() ?? 0)
        func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, width - s.count))
            return left ? s + fill : fill + s
        }
        var rows = ["\(pad("#", 4))  \(pad("token", tokenWidth, left: true))  \(pad("id", 6))  type"]
        for i in encoding.ids.indices {
            rows.append("\(pad(String(i), 4))  \(pad(encoding.tokens[i], tokenWidth, left: true))  \(pad(String(encoding.ids[i]), 6))  \(pad(String(encoding.typeIDs[i]), 4))")
        }
        rows.append("\(encoding.count) tokens")
        return rows.joined(separator: "\n")
    }
}
