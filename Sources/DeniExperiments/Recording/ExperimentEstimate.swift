import DeniCore
import DeniTraining
import Foundation

/// How long an experiment (or a sweep) will take on this machine, from the speed its finished sessions measured:
/// seconds per model-step per example for the same tuning and thread count (median over sessions recorded here),
/// and each strategy's model-steps per main step (its own label's, else its kind's, else an Ensemble's K, else 1).
/// Sequence lengths are not modelled, so the figure is a guide (within a factor of ~1.5 across this project's
/// datasets), not a promise. `LongRunRule` decides from it whether to ask before starting.
public struct ExperimentEstimate: Sendable, Hashable {
    public var runs: Int
    /// Estimated seconds; nil when this machine has no finished session with that tuning and thread count.
    public var seconds: Double?
    /// What the figure rests on, for the message.
    public var basis: String

    public init(runs: Int, seconds: Double?, basis: String) {
        self.runs = runs; self.seconds = seconds; self.basis = basis
    }

    /// One finished session's speed record.
    public struct Sample: Sendable, Equatable {
        public var tuning: String, threads: Int, hostname: String, cores: Int
        /// Seconds per model-step per example (mean wall time per run / (model-steps × batch)), per strategy label.
        public var secondsPerStepExample: Double
        /// Model-steps per main-model step by strategy label and by kind.
        public var ratioByLabel: [String: Double], ratioByKind: [String: Double]
    }

    /// The speed records of the finished sessions under `folder` (from their manifests' summaries: no event is read).
    public static func samples(in folder: URL) -> [Sample] {
        SessionCatalog.candidates(in: folder).compactMap { name in
            guard let m = try? SessionReader.readManifest(folder.appendingPathComponent(name)), m.status == .finished,
                  let table = m.summary else { return nil }
            return sample(m.config, table, machine: m.machine)
        }
    }

    static func sample(_ c: ExperimentConfig, _ table: ResultsTable, machine: MachineInfo) -> Sample? {
        var rates: [Double] = [], byLabel: [String: Double] = [:], byKind: [String: [Double]] = [:]
        for (s, row) in zip(c.strategies, table.rows) where row.runs > 0 && row.modelSteps > 0 && row.wallSeconds > 0 {
            let main = Double(mainSteps(s, c))
            guard main > 0 else { continue }
            if s.kind == .standard { rates.append(row.wallSeconds / (row.modelSteps * Double(c.batchSize))) }
            byLabel[s.label] = row.modelSteps / main
            byKind[s.kind.rawValue, default: []].append(row.modelSteps / main)
        }
        guard let rate = median(rates) else { return nil }
        return Sample(tuning: c.tuning.kind.rawValue, threads: c.threads, hostname: machine.hostname, cores: machine.cores,
                      secondsPerStepExample: rate, ratioByLabel: byLabel, ratioByKind: byKind.compactMapValues(median))
    }

    /// Main-model optimiser steps of one run of `s` (training samples as configured: an upper bound for capped classes).
    static func mainSteps(_ s: StrategyConfig, _ c: ExperimentConfig) -> Int {
        s.epochs(base: c.epochs) * ((c.trainSamples + c.batchSize - 1) / max(1, c.batchSize))
    }

    static func median(_ v: [Double]) -> Double? {
        guard !v.isEmpty else { return nil }
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// The estimate for `config` from `samples` recorded on this machine (same hostname and core count).
    public static func make(_ config: ExperimentConfig, samples: [Sample], machine: MachineInfo) -> ExperimentEstimate {
        let runs = config.runs * config.strategies.count
        let here = samples.filter { $0.hostname == machine.hostname && $0.cores == machine.cores }
        var seconds = 0.0
        var sessions: Set<Int> = []
        for s in config.strategies {
            let own = (try? config.resolved(for: s)) ?? config
            let matching = here.enumerated().filter { $0.element.tuning == own.tuning.kind.rawValue && $0.element.threads == own.threads }
            guard let rate = median(matching.map(\.element.secondsPerStepExample)) else {
                return ExperimentEstimate(runs: runs, seconds: nil,
                                          basis: "no finished \(own.tuning.kind.rawValue) session with \(own.threads) thread(s) recorded on this machine yet")
            }
            matching.forEach { sessions.insert($0.offset) }
            let ratio = median(matching.compactMap { $0.element.ratioByLabel[s.label] })
                ?? median(matching.compactMap { $0.element.ratioByKind[s.kind.rawValue] })
                ?? { if case .ensemble(let k) = s.settings { Double(k) } else { 1 } }()
            seconds += Double(config.runs) * Double(mainSteps(s, own)) * ratio * Double(own.batchSize) * rate
        }
        return ExperimentEstimate(runs: runs, seconds: seconds, basis: "the speed of \(sessions.count) finished session(s) on this machine")
    }

    /// "≈ 1 h 05 min" style.
    public static func duration(_ s: Double) -> String {
        let m = Int((s / 60).rounded())
        if s < 90 { return "\(Int(s.rounded())) s" }
        return m < 60 ? "\(m) min" : "\(m / 60) h \(String(format: "%02d", m % 60)) min"
    }

    public var summary: String {
        "\(runs) run(s); estimated time " + (seconds.map { "≈ " + Self.duration($0) + " (from \(basis))" } ?? "unknown (\(basis))")
    }
}

/// When to ask before starting: the one rule for runs and sweeps. An estimate above `threshold` needs a yes —
/// asked at a terminal, or given as `--yes`; without a terminal on stdin nothing is asked and the start is
/// refused, naming `--yes`. An unknown estimate is not asked about (nothing measured says it is long).
public enum LongRunRule {
    public static let threshold: Double = 5 * 60

    public static func needsConfirmation(_ e: ExperimentEstimate) -> Bool { (e.seconds ?? 0) > threshold }
}
