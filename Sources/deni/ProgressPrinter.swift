import DeniExperiments
import DeniTraining
import Foundation
import Synchronization

/// Headless progress: per-run and overall bars with ETA and examples/s on stderr (redrawn in place on a
/// terminal at most 5 times a second, one line per epoch otherwise), plus one line per finished run.
final class ProgressPrinter: EventSink, @unchecked Sendable {
    struct State {
        var totalRuns: Int
        var doneRuns = 0
        var current: RunID?
        var totalSteps = 1
        var step = 0
        var loss = 0.0
        var runStart = Date()
        var experimentStart = Date()
        var batchSize: Int
        var lastDraw = Date.distantPast
        var phase = "single"
    }
    private let state: Mutex<State>
    private let tty: Bool
    private let quiet: Bool
    /// Put before every line (a sweep worker's name); a prefixed printer writes whole lines only.
    private let prefix: String

    init(totalRuns: Int, batchSize: Int, quiet: Bool = false, prefix: String = "") {
        state = Mutex(State(totalRuns: totalRuns, batchSize: batchSize))
        self.quiet = quiet
        self.prefix = prefix
        tty = prefix.isEmpty && isatty(2) != 0
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data((prefix + text).utf8)) }

    func publish(_ event: TrainingEvent) {
        guard !quiet else { return }
        state.withLock { s in
            switch event {
            case let .runStart(id, _, totalSteps, _, _):
                s.current = id; s.totalSteps = max(1, totalSteps); s.step = 0; s.runStart = Date(); s.phase = "single"
            case let .step(_, step, epoch, loss, _, _):
                s.step = step; s.loss = loss
                let now = Date()
                if tty {
                    if now.timeIntervalSince(s.lastDraw) > 0.2 || step == s.totalSteps { s.lastDraw = now; draw(s) }
                } else if step % max(1, s.totalSteps / 10) == 0 {
                    write(line(s) + " epoch \(epoch)\n")
                }
            case let .phase(_, _, phase, _, detail, _):
                s.phase = phase.rawValue
                clear(); write("  · \(detail)\n")
            case let .runEnd(id, status, metrics, cost, failure, _, _):
                s.doneRuns += 1
                clear()
                let result = metrics.map { String(format: "macro-F1 %.2f  accuracy %.2f", $0.macroF1, $0.accuracy) } ?? (failure ?? status.rawValue)
                write(String(format: "%@ %@: %@  (%d model-steps, %.0f s)\n", status == .finished ? "✓" : "✗",
                             id.description, result, cost.modelSteps, cost.wallSeconds))
            case let .log(level, message, _):
                clear(); write("[\(level)] \(message)\n")
            default: break
            }
        }
    }

    private func bar(_ f: Double, width: Int) -> String {
        let n = Int((f * Double(width)).rounded())
        return String(repeating: "█", count: max(0, min(width, n))) + String(repeating: "·", count: max(0, width - n))
    }

    private func line(_ s: State) -> String {
        let f = Double(s.step) / Double(s.totalSteps)
        let elapsed = Date().timeIntervalSince(s.runStart)
        let exps = elapsed > 0 ? Double(s.step * s.batchSize) / elapsed : 0
        let eta = f > 0 ? elapsed * (1 - f) / f : 0
        let overall = (Double(s.doneRuns) + f) / Double(max(1, s.totalRuns))
        let total = Date().timeIntervalSince(s.experimentStart)
        let etaAll = overall > 0 ? total * (1 - overall) / overall : 0
        return String(format: "%@ %@ %d/%d loss %.4f %.1f ex/s ETA %@ | all %@ %d/%d ETA %@ [%@]",
                      (s.current?.description ?? "").padding(toLength: 16, withPad: " ", startingAt: 0),
                      bar(f, width: 20), s.step, s.totalSteps, s.loss, exps, Self.duration(eta),
                      bar(overall, width: 10), s.doneRuns, s.totalRuns, Self.duration(etaAll), s.phase)
    }

    private func draw(_ s: State) { FileHandle.standardError.write(Data(("\r\u{1B}[K" + line(s)).utf8)) }
    private func clear() { if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s)
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, t / 60 % 60) : String(format: "%dm%02ds", t / 60, t % 60)
    }
}
