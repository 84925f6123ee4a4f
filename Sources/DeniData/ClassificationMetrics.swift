/// Accuracy, macro-F1, per-class F1 and the confusion matrix of one evaluation.
///
/// Convention (scikit-learn's `f1_score(..., labels=range(C), zero_division=0)`): F1 of class c is
/// 2·TP / (2·TP + FP + FN), and 0 when that denominator is 0 — a class absent from both the labels and the
/// predictions, or a class never predicted and never present. A class in the labels that is never predicted
/// has F1 0 (TP = 0). Macro-F1 is the unweighted mean over all `classCount` classes, including absent ones.
public struct ClassificationMetrics: Sendable, Codable, Hashable {
    /// Percent of predictions equal to the label.
    public var accuracy: Double
    /// Mean per-class F1, percent.
    public var macroF1: Double
    /// F1 of each class, percent.
    public var perClassF1: [Double]
    /// confusion[true][predicted] counts.
    public var confusion: [[Int]]

    public init(accuracy: Double, macroF1: Double, perClassF1: [Double], confusion: [[Int]]) {
        self.accuracy = accuracy; self.macroF1 = macroF1; self.perClassF1 = perClassF1; self.confusion = confusion
    }
}

/// Metrics of `predictions` against `labels` (same length, values in 0..<classCount; a violation is a
/// programming error and traps). No examples gives accuracy and F1 of 0.
public func classificationMetrics(predictions: [Int], labels: [Int], classCount: Int) -> ClassificationMetrics {
    precondition(predictions.count == labels.count, "\(predictions.count) predictions for \(labels.count) labels")
    precondition(classCount > 0, "classCount must be positive")
    var confusion = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
    var correct = 0
    for (p, y) in zip(predictions, labels) {
        precondition((0..<classCount).contains(p) && (0..<classCount).contains(y),
                     "label \(y) or prediction \(p) outside 0..<\(classCount)")
        confusion[y][p] += 1
        if p == y { correct += 1 }
    }
    var f1 = [Double](repeating: 0, count: classCount)
    for c in 0..<classCount {
        let tp = confusion[c][c]
        let fn = confusion[c].reduce(0, +) - tp
        var fp = 0
        for r in 0..<classCount where r != c { fp += confusion[r][c] }
        let denominator = 2 * tp + fp + fn
        f1[c] = denominator == 0 ? 0 : 100 * Double(2 * tp) / Double(denominator)
    }
    let accuracy = labels.isEmpty ? 0 : 100 * Double(correct) / Double(labels.count)
    return ClassificationMetrics(accuracy: accuracy, macroF1: f1.reduce(0, +) / Double(classCount),
                                 perClassF1: f1, confusion: confusion)
}
