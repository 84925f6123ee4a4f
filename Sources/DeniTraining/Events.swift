import DeniCore

/// Typed events published by the training loop and the mitigation strategies.
///
/// One schema feeds three consumers: the session log (`events.jsonl`, one event per line), the terminal
/// UI's reducer and the headless progress display. Encoding is a flat JSON object with a `"kind"` field;
/// readers skip (and count) kinds they do not know, so the schema can grow. Bump `version` on any change
/// that alters the meaning of an existing field; adding a kind or an optional field does not need a bump.
public enum EventSchema {
    public static let version = 1
}

/// Identifies one run of one strategy inside an experiment: run `run` of every strategy shares its seeds.
public struct RunID: Codable, Hashable, Sendable, CustomStringConvertible {
    public var strategy: String
    public var run: Int
    public init(strategy: String, run: Int) { self.strategy = strategy; self.run = run }
    public var description: String { "\(strategy)#\(run)" }
}

/// DENI's (and DE/NI's) phases.
public enum TrainingPhase: String, Codable, Sendable {
    case single, interpolating, ensemble
}

/// Training cost counters of one run.
public struct CostCounters: Codable, Hashable, Sendable {
    /// Forward+backward passes of one model copy over one batch.
    public var modelSteps: Int = 0
    /// Training FLOPs counted as 2·M·N·K for every GEMM (forward and backward).
    public var trainingFLOPs: Double = 0
    /// Forward passes of one model copy over one evaluation batch.
    public var inferencePasses: Int = 0
    public var wallSeconds: Double = 0
    public var peakMemoryBytes: Int = 0
    public init() {}
    public init(modelSteps: Int, trainingFLOPs: Double, inferencePasses: Int, wallSeconds: Double, peakMemoryBytes: Int) {
        self.modelSteps = modelSteps; self.trainingFLOPs = trainingFLOPs; self.inferencePasses = inferencePasses
        self.wallSeconds = wallSeconds; self.peakMemoryBytes = peakMemoryBytes
    }
}

/// Final metrics of a run (or an evaluation).
public struct RunMetrics: Codable, Hashable, Sendable {
    public var accuracy: Double          // percent, 0-100
    public var macroF1: Double           // percent, 0-100
    public var perClassF1: [Double]      // percent
    public var confusion: [[Int]]        // [true][predicted]
    public init(accuracy: Double, macroF1: Double, perClassF1: [Double], confusion: [[Int]]) {
        self.accuracy = accuracy; self.macroF1 = macroF1; self.perClassF1 = perClassF1; self.confusion = confusion
    }

    enum CodingKeys: String, CodingKey { case accuracy, macroF1, perClassF1, confusion }
    /// Recorded metrics are checked as they are read: percentages within 0...100, one F1 per class, a square
    /// confusion matrix of counts (an edited or damaged line is refused, not shown as a result).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        accuracy = try c.decode(Double.self, forKey: .accuracy)
        macroF1 = try c.decode(Double.self, forKey: .macroF1)
        perClassF1 = try c.decode([Double].self, forKey: .perClassF1)
        confusion = try c.decode([[Int]].self, forKey: .confusion)
        func refuse(_ key: CodingKeys, _ why: String) -> DecodingError { .dataCorruptedError(forKey: key, in: c, debugDescription: why) }
        for (key, v) in [(CodingKeys.accuracy, accuracy), (.macroF1, macroF1)] where !(0...100).contains(v) {
            throw refuse(key, "\(v) is not a percentage within 0...100")
        }
        if let v = perClassF1.first(where: { !(0...100).contains($0) }) { throw refuse(.perClassF1, "\(v) is not a percentage within 0...100") }
        if !confusion.isEmpty && (confusion.count != perClassF1.count || confusion.contains { $0.count != confusion.count }) {
            throw refuse(.confusion, "not a square matrix with one row per class (\(perClassF1.count))")
        }
        if let v = confusion.joined().first(where: { !(0...Self.maximumCount).contains($0) }) {
            throw refuse(.confusion, "count \(v) is outside 0...\(Self.maximumCount)")
        }
    }

    /// The largest example count a confusion matrix cell may hold.
    public static let maximumCount = 1 << 40
}

public enum RunStatus: String, Codable, Sendable { case finished, failed, cancelled }

/// One event. Wall time is seconds since the run (or experiment) started.
public enum TrainingEvent: Sendable, Hashable {
    /// A run begins: `totalSteps` optimiser steps of the main model are planned.
    case runStart(id: RunID, seeds: Seeds, totalSteps: Int, trainExamples: Int, time: Double)
    /// The main model took optimiser step `step` (1-based) with mean batch loss `loss`.
    case step(id: RunID, step: Int, epoch: Int, loss: Double, learningRate: Double, time: Double)
    /// A periodic evaluation on the fixed evaluation subsample (`subset` true) or the whole test split.
    case evaluation(id: RunID, step: Int, accuracy: Double, macroF1: Double, loss: Double, subset: Bool, time: Double)
    /// A strategy changed phase (interpolation round started/ended, ensemble created, averaging started…).
    case phase(id: RunID, step: Int, phase: TrainingPhase, members: Int, detail: String, time: Double)
    /// Cumulative cost counters of the run so far.
    case cost(id: RunID, step: Int, cost: CostCounters)
    /// The run ended: final metrics on the whole test split (nil when it failed).
    case runEnd(id: RunID, status: RunStatus, metrics: RunMetrics?, cost: CostCounters, failure: String?, step: Int, time: Double)
    /// A free-form log line.
    case log(level: String, message: String, time: Double)

    public var kind: String {
        switch self {
        case .runStart: "run_start"
        case .step: "step"
        case .evaluation: "evaluation"
        case .phase: "phase"
        case .cost: "cost"
        case .runEnd: "run_end"
        case .log: "log"
        }
    }

    public var runID: RunID? {
        switch self {
        case .runStart(let id, _, _, _, _): id
        case .step(let id, _, _, _, _, _): id
        case .evaluation(let id, _, _, _, _, _, _): id
        case .phase(let id, _, _, _, _, _): id
        case .cost(let id, _, _): id
        case .runEnd(let id, _, _, _, _, _, _): id
        case .log: nil
        }
    }

    /// The same event of the run with strategy label `label` (a log line is returned unchanged).
    public func relabeled(_ label: String) -> TrainingEvent {
        switch self {
        case let .runStart(id, a, b, c, d): .runStart(id: RunID(strategy: label, run: id.run), seeds: a, totalSteps: b, trainExamples: c, time: d)
        case let .step(id, a, b, c, d, e): .step(id: RunID(strategy: label, run: id.run), step: a, epoch: b, loss: c, learningRate: d, time: e)
        case let .evaluation(id, a, b, c, d, e, f):
            .evaluation(id: RunID(strategy: label, run: id.run), step: a, accuracy: b, macroF1: c, loss: d, subset: e, time: f)
        case let .phase(id, a, b, c, d, e): .phase(id: RunID(strategy: label, run: id.run), step: a, phase: b, members: c, detail: d, time: e)
        case let .cost(id, a, b): .cost(id: RunID(strategy: label, run: id.run), step: a, cost: b)
        case let .runEnd(id, a, b, c, d, e, f):
            .runEnd(id: RunID(strategy: label, run: id.run), status: a, metrics: b, cost: c, failure: d, step: e, time: f)
        case .log: self
        }
    }
}

extension TrainingEvent: Codable {
    enum Key: String, CodingKey {
        case kind, strategy, run, seeds, totalSteps = "total_steps", trainExamples = "train_examples", time
        case step, epoch, loss, lr, accuracy, macroF1 = "macro_f1", subset, phase, members, detail, cost
        case status, metrics, failure, level, message
    }

    /// Thrown for a kind this reader does not know; readers skip and count it.
    public struct UnknownKind: Error, Sendable { public let kind: String }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let kind = try c.decode(String.self, forKey: .kind)
        func id() throws -> RunID { RunID(strategy: try c.decode(String.self, forKey: .strategy), run: try c.decode(Int.self, forKey: .run)) }
        let time = try c.decodeIfPresent(Double.self, forKey: .time) ?? 0
        switch kind {
        case "run_start":
            self = .runStart(id: try id(), seeds: try c.decode(Seeds.self, forKey: .seeds),
                             totalSteps: try c.decode(Int.self, forKey: .totalSteps),
                             trainExamples: try c.decode(Int.self, forKey: .trainExamples), time: time)
        case "step":
            self = .step(id: try id(), step: try c.decode(Int.self, forKey: .step), epoch: try c.decode(Int.self, forKey: .epoch),
                         loss: try c.decode(Double.self, forKey: .loss), learningRate: try c.decode(Double.self, forKey: .lr), time: time)
        case "evaluation":
            self = .evaluation(id: try id(), step: try c.decode(Int.self, forKey: .step),
                               accuracy: try c.decode(Double.self, forKey: .accuracy), macroF1: try c.decode(Double.self, forKey: .macroF1),
                               loss: try c.decode(Double.self, forKey: .loss), subset: try c.decode(Bool.self, forKey: .subset), time: time)
        case "phase":
            self = .phase(id: try id(), step: try c.decode(Int.self, forKey: .step), phase: try c.decode(TrainingPhase.self, forKey: .phase),
                          members: try c.decode(Int.self, forKey: .members), detail: try c.decode(String.self, forKey: .detail), time: time)
        case "cost":
            self = .cost(id: try id(), step: try c.decode(Int.self, forKey: .step), cost: try c.decode(CostCounters.self, forKey: .cost))
        case "run_end":
            self = .runEnd(id: try id(), status: try c.decode(RunStatus.self, forKey: .status),
                           metrics: try c.decodeIfPresent(RunMetrics.self, forKey: .metrics),
                           cost: try c.decode(CostCounters.self, forKey: .cost),
                           failure: try c.decodeIfPresent(String.self, forKey: .failure),
                           step: try c.decode(Int.self, forKey: .step), time: time)
        case "log":
            self = .log(level: try c.decode(String.self, forKey: .level), message: try c.decode(String.self, forKey: .message), time: time)
        default:
            throw UnknownKind(kind: kind)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(kind, forKey: .kind)
        if let id = runID { try c.encode(id.strategy, forKey: .strategy); try c.encode(id.run, forKey: .run) }
        switch self {
        case let .runStart(_, seeds, totalSteps, trainExamples, time):
            try c.encode(seeds, forKey: .seeds); try c.encode(totalSteps, forKey: .totalSteps)
            try c.encode(trainExamples, forKey: .trainExamples); try c.encode(time, forKey: .time)
        case let .step(_, step, epoch, loss, lr, time):
            try c.encode(step, forKey: .step); try c.encode(epoch, forKey: .epoch); try c.encode(loss, forKey: .loss)
            try c.encode(lr, forKey: .lr); try c.encode(time, forKey: .time)
        case let .evaluation(_, step, accuracy, macroF1, loss, subset, time):
            try c.encode(step, forKey: .step); try c.encode(accuracy, forKey: .accuracy); try c.encode(macroF1, forKey: .macroF1)
            try c.encode(loss, forKey: .loss); try c.encode(subset, forKey: .subset); try c.encode(time, forKey: .time)
        case let .phase(_, step, phase, members, detail, time):
            try c.encode(step, forKey: .step); try c.encode(phase, forKey: .phase); try c.encode(members, forKey: .members)
            try c.encode(detail, forKey: .detail); try c.encode(time, forKey: .time)
        case let .cost(_, step, cost):
            try c.encode(step, forKey: .step); try c.encode(cost, forKey: .cost)
        case let .runEnd(_, status, metrics, cost, failure, step, time):
            try c.encode(status, forKey: .status); try c.encodeIfPresent(metrics, forKey: .metrics)
            try c.encode(cost, forKey: .cost); try c.encodeIfPresent(failure, forKey: .failure)
            try c.encode(step, forKey: .step); try c.encode(time, forKey: .time)
        case let .log(level, message, time):
            try c.encode(level, forKey: .level); try c.encode(message, forKey: .message); try c.encode(time, forKey: .time)
        }
    }
}

/// Where events go. Implementations must be cheap: the training loop calls `publish` on its own thread.
public protocol EventSink: AnyObject, Sendable {
    func publish(_ event: TrainingEvent)
}

extension TrainingEvent {
    /// The log event of an experiment stopped by an error: recorded in the session, shown in the UI's log.
    public static func stopped(_ failure: String, time: Double) -> TrainingEvent {
        .log(level: "error", message: "training stopped: \(failure)", time: time)
    }
}
