import DeniTraining
/// Wide CSV of a session's curves.
///
/// One row per step that any run recorded (training step or evaluation), ascending. Columns: `step`, then one
/// group per metric — `wall_time`, `loss`, `lr`, `eval_f1`, `eval_accuracy`, `eval_loss` — each with one column
/// per run named `<metric>:<strategy>#<run>` (e.g. `loss:DENI#0`). A cell is empty when that run recorded no value
/// at that step; non-finite values are written `nan`, `inf`, `-inf`. Fields are quoted per RFC 4180 when needed.
public enum CSVExport {
    public static let metrics = ["wall_time", "loss", "lr", "eval_f1", "eval_accuracy", "eval_loss"]

    public static func wide(_ curves: SessionCurves) -> String {
        var header = ["step"]
        for metric in metrics { for run in curves.runs { header.append("\(metric):\(run.id)") } }
        // Per run and metric: step → value.
        let columns: [[Int: Double]] = metrics.flatMap { metric in
            curves.runs.map { run -> [Int: Double] in
                let (steps, values): ([Int], [Double]) = switch metric {
                case "wall_time": (run.steps, run.time)
                case "loss": (run.steps, run.loss)
                case "lr": (run.steps, run.learningRate)
                case "eval_f1": (run.evalSteps, run.evalMacroF1)
                case "eval_accuracy": (run.evalSteps, run.evalAccuracy)
                default: (run.evalSteps, run.evalLoss)
                }
                return Dictionary(zip(steps, values).map { ($0, $1) }, uniquingKeysWith: { _, b in b })
            }
        }
        let steps = Set(curves.runs.flatMap { $0.steps + $0.evalSteps }).sorted()
        var out = header.map(field).joined(separator: ",") + "\n"
        for step in steps {
            var row = [String(step)]
            for column in columns { row.append(column[step].map(number) ?? "") }
            out += row.joined(separator: ",") + "\n"
        }
        return out
    }

    static func number(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return "\(x)"
    }

    /// One row per started run, in config order then run index: `strategy, run, status, macro_f1, accuracy,
    /// model_steps, training_flops`. `status` is the run's `RunState`: finished, failed, cancelled, or interrupted
    /// (started, never ended; its metrics and cost are empty). Metrics are written in full (shortest round-trip
    /// form), so two sessions' files are byte-identical exactly when their runs' results are bit-identical (wall
    /// times are left out).
    public static func runs(config: ExperimentConfig, events: [TrainingEvent]) -> String {
        let outcomes = RunOutcomes(events)
        var out = "strategy,run,status,macro_f1,accuracy,model_steps,training_flops\n"
        for strategy in config.strategies.map(\.label) {
            for run in config.runIndices {
                let id = RunID(strategy: strategy, run: run)
                guard let state = outcomes.state(id) else { continue }
                let o = outcomes.ended[id]
                let m = o?.metrics.map { ["\($0.macroF1)", "\($0.accuracy)"] } ?? ["", ""]
                let cost = o.map { [String($0.cost.modelSteps), "\($0.cost.trainingFLOPs)"] } ?? ["", ""]
                out += ([field(strategy), String(run), state.rawValue] + m + cost).joined(separator: ",") + "\n"
            }
        }
        return out
    }

    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
