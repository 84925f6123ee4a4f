import DeniExperiments
import DeniTraining

/// Plays a recorded event list through `ExperimentModel.apply`, the same reducer the live view uses.
///
/// Event times restart at each run in some logs, so playback uses a monotonic timeline: gaps are taken as
/// recorded, a backwards jump counts as no gap, and any gap is capped at `maxGap` seconds so replay never stalls.
public struct ReplayPlayer: Hashable, Sendable {
    public static let speeds: [Double] = [1, 10, 100, .infinity]
    public static let maxGap = 2.0

    public let name: String
    public let events: [TrainingEvent]
    /// The results of the runs ended so far in the replay (`ExperimentModel.results()`); at the end, the
    /// session's summary.
    public private(set) var table: ResultsTable?
    public let timeline: [Double]
    /// Index of the next event to apply (so `position` events have been applied).
    public private(set) var position = 0
    public private(set) var model: ExperimentModel
    public var speedIndex = 0
    public var paused = false
    /// Replay clock on the timeline.
    public private(set) var clock = 0.0
    private let config: ExperimentConfig
    /// The session is no longer written (`LoadedSession.over`): at the end, runs that never ended are interrupted.
    private let over: Bool
    /// `model.runEndCount` when `table` was derived.
    private var tableRunEnds = 0

    public init(name: String, session: LoadedSession) {
        self.name = name
        events = session.events; config = session.config; over = session.over
        model = ExperimentModel(config: session.config, classNames: session.dataset.map(SessionExport.classNames) ?? [])
        var t: [Double] = []
        t.reserveCapacity(events.count)
        var last: Double?, acc = 0.0
        for e in events {
            let time = ReplayPlayer.time(of: e)
            if let l = last, let now = time { acc += min(ReplayPlayer.maxGap, max(0, now - l)) }
            if let now = time { last = now }
            t.append(acc)
        }
        timeline = t
        clock = t.first ?? 0
    }

    static func time(of e: TrainingEvent) -> Double? {
        switch e {
        case .runStart(_, _, _, _, let t), .step(_, _, _, _, _, let t), .evaluation(_, _, _, _, _, _, let t),
             .phase(_, _, _, _, _, let t), .runEnd(_, _, _, _, _, _, let t), .log(_, _, let t): t
        case .cost: nil
        }
    }

    public var speed: Double { ReplayPlayer.speeds[speedIndex] }
    public var atEnd: Bool { position >= events.count }
    public var fraction: Double { events.isEmpty ? 1 : Double(position) / Double(events.count) }
    public var duration: Double { timeline.last ?? 0 }

    /// Advances the clock by `dt` wall seconds at the current speed and applies the events now due.
    /// Returns how many were applied.
    @discardableResult
    public mutating func advance(by dt: Double) -> Int {
        guard !paused, !atEnd else { return 0 }
        if speed.isInfinite { return seek(to: events.count) }
        clock += max(0, dt) * speed
        let start = position
        while position < events.count && timeline[position] <= clock {
            model.apply(events[position]); position += 1
        }
        clock = min(clock, duration)   // the clock stops at the last event
        refreshTable()
        return position - start
    }

    /// Applies exactly one event and pauses.
    public mutating func step() {
        paused = true
        guard !atEnd else { return }
        model.apply(events[position]); clock = timeline[position]; position += 1
        refreshTable()
    }

    /// Moves to event index `target`, rebuilding the model from the start when seeking backwards.
    @discardableResult
    public mutating func seek(to target: Int) -> Int {
        let t = min(max(0, target), events.count)
        if t < position { model = ExperimentModel(config: config, classNames: model.classNames); position = 0 }
        let start = position
        while position < t { model.apply(events[position]); position += 1 }
        refreshTable()
        clock = position > 0 ? timeline[position - 1] : (timeline.first ?? 0)
        return position - start
    }

    /// Re-derives `table` when a run ended since it was last derived (or the model was rebuilt).
    private mutating func refreshTable() {
        if atEnd && over { model.interruptRunningRuns() }
        guard model.runEndCount != tableRunEnds else { return }
        tableRunEnds = model.runEndCount
        table = model.results()
    }

    public mutating func seek(fraction f: Double) { seek(to: Int((min(max(0, f), 1) * Double(events.count)).rounded())) }
}
