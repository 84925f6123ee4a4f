import ArgumentParser
import DeniCore
import DeniData
import DeniExperiments
import DeniTraining
import Foundation

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "predict",
        abstract: "Classify texts with a trained model (a --save file or a --save-peft folder of deni train).",
        discussion: """
        Prints each text's label (by class name) and its probability, in the order given. The saved file records the \
        tuning, pooling, class names and max length of the run that saved it; texts are tokenized, truncated, batched \
        and classified (eval mode) as that run classified its test split, so its own test texts get its predictions back.

        Input: TEXT arguments, or --file F with one text per line (TEXT<TAB>SECOND TEXT for a sentence pair).
        Output: text (label, its probability, the text; a pair as TEXT [SEP] SECOND TEXT), --json ({"classes", "predictions": [{"text", "second_text"?, "label", \
        "probabilities"}], "notes"}) or --csv (text, second_text when any, predicted, p(<class>) per class).
        """)

    @Argument(help: "Texts to classify.") var texts: [String] = []
    @Option(help: ArgumentHelp("A file of texts, one per line (a tab before a pair's second text).", valueName: "file")) var file: String?
    @Option(help: "Model folder of the base model (default: the one setup installed).") var model: String?
    @Option(help: ArgumentHelp("A peft folder written by deni train --save-peft.", valueName: "dir")) var peft: String?
    @Option(help: ArgumentHelp("A weights file written by deni train --save.", valueName: "file")) var weights: String?
    @Flag(help: "Machine-readable output (one JSON object).") var json = false
    @Flag(help: "CSV output: text, second_text (when any), predicted, p(<class>) for each class.") var csv = false
    @Option(name: .customLong("batch-size"), help: "Texts per forward pass (the size runs evaluate with).") var batchSize = EvaluationBatches.defaultSize
    @Option(help: "Threads (default: every core of this machine).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(name: .customLong("max-length"), help: "Truncate to this many tokens (default: the max length the run recorded).") var maxLength: Int?

    func validate() throws {
        if (peft == nil) == (weights == nil) { throw ValidationError("give the trained model: --peft DIR or --weights FILE (one of them)") }
        if texts.isEmpty == (file == nil) { throw ValidationError("give the texts as arguments or --file F (one of them)") }
        if json && csv { throw ValidationError("--json and --csv: choose one output") }
        if !(1...4096).contains(batchSize) { throw ValidationError("--batch-size \(batchSize): valid 1...4096") }
        if !(1...256).contains(threads) { throw ValidationError("--threads \(threads): valid 1...256") }
    }

    func run() throws {
        let folder = ProjectPaths.model(model)
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) else {
            throw ValidationError("no model at \(folder.path): \(ProjectPaths.modelHowTo)")
        }
        let inputs = try readTexts()
        Threads.set(threads)
        let source: TextClassifier.Source = peft.map { .peft(URL(fileURLWithPath: $0)) } ?? .weights(URL(fileURLWithPath: weights!))
        let classifier = try TextClassifier(modelDirectory: folder, source: source, maxLength: maxLength)
        for note in classifier.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        let results = classifier.predict(inputs, batchSize: batchSize)
        let names = classifier.classNames
        if json {
            let predictions = zip(inputs, results).map { (t, r) -> [String: Any] in
                var o: [String: Any] = ["text": t.text, "label": names[r.label], "probabilities": r.probabilities.map { Double("\($0)")! }]   // the float's shortest digits
                if let pair = t.pair { o["second_text"] = pair }
                return o
            }
            let out: [String: Any] = ["classes": names, "predictions": predictions, "notes": classifier.notes]
            print(String(decoding: try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
        } else if csv {
            print(PredictionsCSV.predictions(inputs, results, classNames: names), terminator: "")
        } else {
            let width = names.map(\.count).max() ?? 0
            for (t, r) in zip(inputs, results) {
                let label = names[r.label].padding(toLength: width, withPad: " ", startingAt: 0)
                print("\(label)  \(String(format: "%.3f", r.probabilities[r.label]))  \(t.text)" + (t.pair.map { " [SEP] \($0)" } ?? ""))
            }
        }
    }

    /// The texts to classify: the arguments (each must hold a text) or the file's lines.
    func readTexts() throws -> [(text: String, pair: String?)] {
        guard let file else {
            if let i = texts.firstIndex(where: { $0.allSatisfy(\.isWhitespace) }) {
                throw DataError(file: "text argument \(i + 1)", "empty text")
            }
            return texts.map { ($0, nil) }
        }
        return try TextLines.read(URL(fileURLWithPath: file))
    }
}
