import DeniCore
import DeniData
import DeniTraining
import Foundation

/// Predictions as CSV, one text per row (`CSVExport.field` quoting), classes by name:
/// a run's test predictions (`deni train --predictions FILE`) and the output of `deni predict --csv`.
/// A `second_text` column is present only when a text has one.
public enum PredictionsCSV {
    /// `text[,second_text],label,predicted`: each test example with its true and its predicted class.
    public static func testPredictions(_ examples: [Example], predictions: [Int], classNames: [String]) -> String {
        precondition(examples.count == predictions.count, "\(predictions.count) predictions for \(examples.count) examples")
        let pairs = examples.contains { $0.pair != nil }
        var out = (pairs ? "text,second_text" : "text") + ",label,predicted\n"
        for (e, p) in zip(examples, predictions) {
            out += row(e.text, pairs ? e.pair ?? "" : nil, [classNames[e.label], classNames[p]])
        }
        return out
    }

    /// `text[,second_text],predicted,p(<class>)…`: each text with its predicted class and every class's probability.
    public static func predictions(_ texts: [(text: String, pair: String?)], _ results: [TextClassifier.Prediction], classNames: [String]) -> String {
        precondition(texts.count == results.count, "\(results.count) predictions for \(texts.count) texts")
        let pairs = texts.contains { $0.pair != nil }
        var out = ((pairs ? ["text", "second_text"] : ["text"]) + ["predicted"] + classNames.map { "p(\($0))" }).map(CSVExport.field).joined(separator: ",") + "\n"
        for (t, r) in zip(texts, results) {
            out += row(t.text, pairs ? t.pair ?? "" : nil, [classNames[r.label]] + r.probabilities.map { "\($0)" })
        }
        return out
    }

    private static func row(_ text: String, _ pair: String?, _ rest: [String]) -> String {
        ([text] + (pair.map { [$0] } ?? []) + rest).map(CSVExport.field).joined(separator: ",") + "\n"
    }

    /// Writes `csv` to `url`; errors name the file and the cause.
    public static func write(_ csv: String, to url: URL) throws {
        do { try OutputFile.write(Data(csv.utf8), to: url, what: "the predictions") } catch {
            throw ConfigError(message: error.description)
        }
    }
}
