import DeniTraining
import Synchronization

/// Sends every event to several sinks, in order.
public final class FanOut: EventSink, @unchecked Sendable {
    public let sinks: [EventSink]
    public init(_ sinks: [EventSink]) { self.sinks = sinks }
    public func publish(_ event: TrainingEvent) { for s in sinks { s.publish(event) } }
}

/// Keeps the events of an experiment in memory (for `deni train` and for deriving results).
public final class EventCollector: EventSink, @unchecked Sendable {
    private let events = Mutex<[TrainingEvent]>([])
    public init() {}
    public func publish(_ event: TrainingEvent) { events.withLock { $0.append(event) } }
    public var all: [TrainingEvent] { events.withLock { $0 } }
}
