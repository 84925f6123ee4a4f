import DeniCore
import DeniData
import DeniExperiments
import DeniTraining

/// One evaluation of a run on the test subsample (or the whole test split).
public struct EvalPoint: Hashable, Sendable {
    public var step: Int, accuracy: Double, macroF1: Double, loss: Double, subset: Bool
}

/// A phase change of a run (DENI's single model / interpolation round / delayed ensemble).
public struct PhaseMark: Hashable, Sendable {
    public var step: Int, phase: TrainingPhase, members: Int, detail: String
}


/// Everything the UI knows about one run, built only from `TrainingEvent`s.
public struct RunTrack: Hashable, Sendable {
    public var id: RunID
    /// The phases DENI's schedule plans for its steps (`ExperimentModel.plannedPhases`), set when it starts.
    public var planned: [TrainingPhase]?
    public var seeds: Seeds?
    public var totalSteps = 0
    public var trainExamples = 0
    public var step = 0
    public var epoch = 0
    /// Losses by step: `lossSteps[i]` is the step of `losses[i]`.
    public var lossSteps: [Int32] = []
    public var losses: [Float] = []
    public var learningRate = 0.0
    public var evals: [EvalPoint] = []
    public var phases: [PhaseMark] = []
    public var cost = CostCounters()
    public var state = RunState.running
    public var metrics: RunMetrics?
    public var failure: String?
    public var startTime = 0.0
    public var lastTime = 0.0
    /// Time and step of the first step event, for the step rate.
    public var firstStepTime: Double?
    public var firstStep = 0

    public init(id: RunID) { self.id = id }

    public var phase: PhaseMark? { phases.last }
    /// Fraction done, 0...1: 1 when finished, else the steps taken (a run that failed, was cancelled or was
    /// interrupted stays where it stopped).
    public var progress: Double {
        if state == .finished { return 1 }
        return totalSteps > 0 ? min(1, Double(step) / Double(totalSteps)) : 0
    }
    /// Main-model optimiser steps per second, once two step events have been seen.
    public var stepsPerSecond: Double? {
        guard let t0 = firstStepTime, lastTime > t0, step > firstStep else { return nil }
        return Double(step - firstStep) / (lastTime - t0)
    }
    /// Seconds left for this run at the current rate.
    public var eta: Double? {
        guard state == .running, let r = stepsPerSecond, r > 0 else { return nil }
        return Double(max(0, totalSteps - step)) / r
    }
    /// Steps at which an interpolation round began (marked on the curves).
    public var interpolationSteps: [Int] { phases.filter { $0.phase == .interpolating }.map(\.step) }
}

extension PhaseMark {
    /// A phase in words, as the log and the members line show it: the strategy's own detail when it gave one.
    static func describe(_ phase: TrainingPhase, members: Int, detail: String) -> String {
        if !detail.isEmpty { return detail }
        return switch phase {
        case .single: "single model"
        case .interpolating: "interpolation round, \(members) noisy copies"
        case .ensemble: "delayed ensemble, \(members) members"
        }
    }
}

/// A line of the log pane, derived from the events (`ExperimentModel.apply`): log events (start-up, warnings,
/// errors), run ends with their macro-F1, failures, cancellations and interruptions, and phase changes.
public struct LogLine: Hashable, Sendable {
    public var level: String, message: String, time: Double
}

/// The event-sourced view of an experiment: live training and replay feed the same `apply`.
public struct ExperimentModel: Hashable, Sendable {
    public var config: ExperimentConfig
    /// Strategy names in display order (the config's order, then any that appear only in events).
    public private(set) var strategies: [String]
    /// The series style of each strategy (`StrategyStyles`, the one assignment the SVG exports use too).
    public private(set) var styles: StrategyStyles
    public private(set) var runs: [RunID: RunTrack] = [:]
    /// Runs in the order they started.
    public private(set) var runOrder: [RunID] = []
    public private(set) var logs: [LogLine] = []
    public private(set) var eventCount = 0
    /// Events that referred to a run that never started (counted, otherwise ignored).
    public private(set) var orphanEvents = 0
    public var latestTime = 0.0
    /// How each run ended so far: what results are derived from (`results()`).
    public private(set) var outcomes = RunOutcomes()
    /// `run_end` events applied (a resumed run may end twice).
    public private(set) var runEndCount = 0
    public static let logCapacity = 500
    /// The dataset's class names, index by index, for per-class rows ("class k" past their end).
    public var classNames: [String]

    public init(config: ExperimentConfig, classNames: [String] = []) {
        self.config = config
        self.classNames = classNames
        var names: [String] = []
        for s in config.strategies where !names.contains(s.label) { names.append(s.label) }
        strategies = names
        styles = StrategyStyles(names)
    }

    /// The style slot (colour and marker) of a strategy; raw kind names map to the config's entry.
    public func style(_ name: String) -> Int {
        let i = strategyIndex(name)
        return styles.slot(i < strategies.count ? strategies[i] : name)
    }

    /// Index of a strategy for its stable colour and marker. Runner names may be the raw kind ("deni") or the
    /// display name ("DENI"); both map to the config's entry.
    public func strategyIndex(_ name: String) -> Int {
        if let i = strategies.firstIndex(of: name) { return i }
        if let k = StrategyKind(rawValue: name), let i = strategies.firstIndex(of: k.displayName) { return i }
        return strategies.count
    }

    /// Runs planned by the config (runs × strategies).
    public var plannedRuns: Int { config.runs * max(1, config.strategies.count) }

    /// Step counts from events are clamped to 0...2^40 so a malformed event cannot overflow arithmetic later.
    static func sane(_ n: Int) -> Int { min(max(0, n), 1 << 40) }

    public mutating func apply(_ event: TrainingEvent) {
        eventCount += 1
        let event = event.sanitized
        outcomes.record(event)
        switch event {
        case let .runStart(id, seeds, totalSteps, trainExamples, time):
            noteStrategy(id.strategy)
            if runs[id] == nil { runOrder.append(id) }
            var r = RunTrack(id: id)
            r.seeds = seeds; r.totalSteps = totalSteps; r.trainExamples = trainExamples
            r.startTime = time; r.lastTime = time
            r.planned = plannedPhases(r)
            runs[id] = r
            latestTime = max(latestTime, time)
        case let .step(id, step, epoch, loss, lr, time):
            update(id) { r in
                r.step = step; r.epoch = epoch; r.learningRate = lr
                if let last = r.lossSteps.last, Int(last) >= step {
                    // A repeated or out-of-order step (e.g. after a resume) replaces the tail.
                    while let l = r.lossSteps.last, Int(l) >= step { r.lossSteps.removeLast(); r.losses.removeLast() }
                }
                r.lossSteps.append(Int32(clamping: step)); r.losses.append(Float(loss))
                if r.firstStepTime == nil { r.firstStepTime = time; r.firstStep = step }
                r.lastTime = max(r.lastTime, time)
            }
            latestTime = max(latestTime, time)
        case let .evaluation(id, step, accuracy, macroF1, loss, subset, time):
            update(id) { r in
                r.evals.append(EvalPoint(step: step, accuracy: accuracy, macroF1: macroF1, loss: loss, subset: subset))
                r.lastTime = max(r.lastTime, time)
            }
        case let .phase(id, step, phase, members, detail, time):
            update(id) { r in
                r.phases.append(PhaseMark(step: step, phase: phase, members: members, detail: detail))
                r.lastTime = max(r.lastTime, time)
            }
            if runs[id] != nil { appendLog(LogLine(level: "info", message: "\(id) step \(step): \(PhaseMark.describe(phase, members: members, detail: detail))", time: time)) }
        case let .cost(id, _, cost):
            update(id) { $0.cost = cost }
        case let .runEnd(id, status, metrics, cost, failure, step, time):
            runEndCount += 1
            update(id) { r in
                r.state = RunState(status)
                r.metrics = metrics; r.cost = cost; r.failure = failure
                r.step = max(r.step, step); r.lastTime = max(r.lastTime, time)
            }
            appendLog(ExperimentModel.endLine(id, status: status, metrics: metrics, failure: failure, step: step, time: time))
            latestTime = max(latestTime, time)
        case let .log(level, message, time):
            appendLog(LogLine(level: level, message: message, time: time))
        }
    }

    /// The log line of a `run_end`: a finished run's macro-F1 and accuracy, a failure's reason, a cancellation's step.
    static func endLine(_ id: RunID, status: RunStatus, metrics: RunMetrics?, failure: String?, step: Int, time: Double) -> LogLine {
        switch status {
        case .finished:
            let m = metrics.map { ": macro-F1 \(LineChart.fmt($0.macroF1, 2)) · accuracy \(LineChart.fmt($0.accuracy, 2))" } ?? ""
            return LogLine(level: "info", message: "\(id) finished\(m)", time: time)
        case .failed: return LogLine(level: "error", message: "\(id) failed: \(failure ?? "no reason given")", time: time)
        case .cancelled: return LogLine(level: "warning", message: "\(id) cancelled at step \(step)", time: time)
        }
    }

    public mutating func appendLog(_ line: LogLine) {
        logs.append(line)
        if logs.count > ExperimentModel.logCapacity { logs.removeFirst(logs.count - ExperimentModel.logCapacity) }
    }

    private mutating func noteStrategy(_ name: String) {
        if strategyIndex(name) == strategies.count { strategies.append(name); styles = StrategyStyles(strategies) }
    }

    private mutating func update(_ id: RunID, _ body: (inout RunTrack) -> Void) {
        guard var r = runs[id] else { orphanEvents += 1; return }
        runs[id] = nil   // keeps the arrays uniquely referenced while mutating
        body(&r)
        runs[id] = r
    }

    /// Runs of one strategy in start order.
    public func runs(of strategy: String) -> [RunTrack] {
        let i = strategyIndex(strategy)
        return runOrder.compactMap { runs[$0] }.filter { strategyIndex($0.id.strategy) == i }
    }

    /// Runs that finished (failed, cancelled and interrupted runs are not done).
    public var finishedRuns: Int { count(.finished) }

    /// Runs in `state`.
    public func count(_ state: RunState) -> Int { runs.values.filter { $0.state == state }.count }

    /// The ended runs that did not finish, as "1 failed · 2 cancelled" (empty when there are none).
    public var unfinishedSummary: String {
        RunState.unfinished.compactMap { st in count(st) > 0 ? "\(count(st)) \(st.rawValue)" : nil }
            .joined(separator: " · ")
    }

    /// The experiment ended: runs still running were interrupted.
    public mutating func interruptRunningRuns() {
        for id in runOrder where runs[id]?.state == .running {
            runs[id]?.state = .interrupted
            appendLog(LogLine(level: "warning", message: "\(id) interrupted at step \(runs[id]!.step)", time: latestTime))
        }
    }

    /// Overall progress 0...1 over the planned runs.
    public var overallProgress: Double {
        let planned = max(plannedRuns, runs.count)
        guard planned > 0 else { return 0 }
        return runs.values.reduce(0) { $0 + $1.progress } / Double(planned)
    }

    /// Seconds left for the whole experiment, from the measured step rate and the planned runs.
    public var overallETA: Double? {
        let measured = runs.values.compactMap { r -> (Double, Double)? in
            guard let t0 = r.firstStepTime, r.lastTime > t0 else { return nil }
            return (Double(r.step - r.firstStep), r.lastTime - t0)
        }
        let steps = measured.reduce(0) { $0 + $1.0 }, secs = measured.reduce(0) { $0 + $1.1 }
        guard steps > 0, secs > 0 else { return nil }
        let rate = steps / secs
        let known = runs.values.filter { $0.totalSteps > 0 }
        let meanTotal = known.isEmpty ? 0 : Double(known.reduce(0) { $0 + $1.totalSteps }) / Double(known.count)
        var left = runs.values.reduce(0.0) { $0 + ($1.state == .running ? Double(max(0, $1.totalSteps - $1.step)) : 0) }
        left += Double(max(0, plannedRuns - runs.count)) * meanTotal
        return left / rate
    }

    /// Examples per second of the most recently active run.
    public var examplesPerSecond: Double? {
        guard let r = runs.values.filter({ $0.state == .running }).max(by: { $0.lastTime < $1.lastTime }),
              let sps = r.stepsPerSecond else { return nil }
        return sps * Double(config.batchSize)
    }

    /// Number of classes, from the first run metrics that carry per-class F1.
    public var classCount: Int? {
        runs.values.lazy.compactMap { $0.metrics?.perClassF1.count }.first { $0 > 0 }
    }
}

extension TrainingEvent {
    /// The event with its step counts clamped (see `ExperimentModel.sane`).
    var sanitized: TrainingEvent {
        let f = ExperimentModel.sane
        switch self {
        case let .runStart(id, seeds, total, examples, time): return .runStart(id: id, seeds: seeds, totalSteps: f(total), trainExamples: f(examples), time: time)
        case let .step(id, step, epoch, loss, lr, time): return .step(id: id, step: f(step), epoch: f(epoch), loss: loss, learningRate: lr, time: time)
        case let .evaluation(id, step, a, m, l, sub, time): return .evaluation(id: id, step: f(step), accuracy: a, macroF1: m, loss: l, subset: sub, time: time)
        case let .phase(id, step, p, members, d, time): return .phase(id: id, step: f(step), phase: p, members: f(members), detail: d, time: time)
        case let .cost(id, step, c): return .cost(id: id, step: f(step), cost: c)
        case let .runEnd(id, st, m, c, fail, step, time): return .runEnd(id: id, status: st, metrics: m, cost: c, failure: fail, step: f(step), time: time)
        case .log: return self
        }
    }
}

/// One row of the Results screen: the derived results table's row for a strategy (the one derivation, as
/// `deni show` prints it) plus how many of its runs have started.
public struct StrategyRow: Hashable, Sendable {
    public var strategy: String
    /// Display order.
    public var index: Int
    /// Style slot (`ExperimentModel.style`).
    public var style: Int
    /// Runs started so far.
    public var runs: Int
    public var result: StrategyResult?
    /// Runs stopped by the user, and runs the experiment's end left unfinished (they are not in `failed`).
    public var cancelled = 0, interrupted = 0

    public var finished: Int { result?.runs ?? 0 }
    public var failed: Int { result?.failed ?? 0 }
    /// The Results table's "Failed" cell: failed runs, then cancelled and interrupted ones apart ("1 +2c +1i").
    public var unfinishedText: String {
        "\(failed)" + (cancelled > 0 ? " +\(cancelled)c" : "") + (interrupted > 0 ? " +\(interrupted)i" : "")
    }
    public var macroF1: Summary { result?.macroF1 ?? Statistics.summary([]) }
    public var accuracy: Summary { result?.accuracy ?? Statistics.summary([]) }
    public var relativeToEnsemble: Double { result?.costRelativeToEnsemble ?? .nan }
    public var significance: PairedComparison? { result?.significance }
}

extension ExperimentModel {
    /// The results table of the runs ended so far (`ResultsTable.derive`, the derivation `deni show` uses);
    /// nil before the first run ends. Two classes are assumed until a run reports its per-class F1.
    public func results() -> ResultsTable? {
        guard !outcomes.ended.isEmpty else { return nil }
        return ResultsTable.derive(config: config, outcomes: outcomes, classCount: classCount ?? 2)
    }

    /// A run's cost relative to a 10-member Ensemble (`ResultsTable.costRelativeToEnsemble`, the one cost
    /// definition); a run still going is projected to its planned length from its steps so far.
    public func relativeCost(_ r: RunTrack) -> Double? {
        var steps = Double(r.cost.modelSteps)
        if r.state == .running {
            guard r.step > 0 else { return nil }
            steps *= Double(max(r.totalSteps, r.step)) / Double(r.step)
        }
        let v = ResultsTable.costRelativeToEnsemble(modelSteps: steps, strategy: r.id.strategy, outcomes: outcomes, config: config)
        return v.isFinite ? v : nil
    }

    /// One row per strategy with runs, in display order, from `table` (the derived results of these runs).
    public func strategyRows(table: ResultsTable?) -> [StrategyRow] {
        strategies.enumerated().compactMap { (i, name) in
            let started = runs(of: name)
            guard !started.isEmpty else { return nil }
            let row = table?.rows.first { strategyIndex($0.strategy) == i }
            var r = StrategyRow(strategy: name, index: i, style: style(name), runs: started.count, result: row)
            r.cancelled = started.filter { $0.state == .cancelled }.count
            r.interrupted = started.filter { $0.state == .interrupted }.count
            return r
        }
    }
}

extension ExperimentModel {
    /// Class `k`'s name ("class k" when the names are not known).
    public func className(_ k: Int) -> String { k >= 0 && k < classNames.count ? classNames[k] : "class \(k)" }
}

extension ExperimentModel {
    /// The phase DENI's schedule plans for every step 1…T of `run` (`DENISchedule.phases`, the schedule the
    /// trainer follows), for the timeline ahead of the now marker; nil for strategies without one.
    /// Runs longer than a million steps get no plan (it would cost a byte a step).
    public func plannedPhases(_ run: RunTrack) -> [TrainingPhase]? {
        guard let s = config.strategies.first(where: { $0.label == run.id.strategy }), let d = s.deni,
              (1...1_000_000).contains(run.totalSteps) else { return nil }
        let resolved = (try? config.resolved(for: s)) ?? config
        let epochs = s.epochs(base: resolved.epochs)
        let perEpoch = max(1, run.totalSteps / max(1, epochs))
        return DENISchedule.phases(totalSteps: run.totalSteps, stepsPerEpoch: perEpoch, config: d,
                                   interpolation: s.kind != .de, ensemble: s.kind != .ni)
    }
}
