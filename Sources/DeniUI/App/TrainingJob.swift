import Dispatch
import DeniExperiments
import DeniTraining
import Synchronization

/// Events published by the training thread, drained by the UI thread once per frame.
public final class EventBuffer: EventSink {
    private let events = Mutex<[TrainingEvent]>([])
    public init() {}
    public func publish(_ event: TrainingEvent) { events.withLock { $0.append(event) } }
    /// Everything published since the last drain, in order.
    public func drain() -> [TrainingEvent] { events.withLock { e in let out = e; e.removeAll(keepingCapacity: true); return out } }
}

/// One experiment running on a background queue. The driver's `run` blocks that queue; the UI polls
/// `buffer` and `outcome` and steers through `control`.
public final class TrainingJob: Sendable {
    public let buffer = EventBuffer()
    public let control = RunControl()
    /// nil while running; `.some(nil)` finished normally; `.some(message)` the driver threw.
    private let result = Mutex<String??>(nil)
    private static let queue = DispatchQueue(label: "deni.ui.training", qos: .userInitiated)

    public init(driver: any ExperimentDriver, config: ExperimentConfig) {
        TrainingJob.queue.async { [self] in
            do {
                try driver.run(config, sink: buffer, control: control)
                result.withLock { $0 = .some(nil) }
            } catch {
                result.withLock { $0 = .some("\(error)") }
            }
        }
    }

    /// nil while the driver runs; then its failure message (nil when it returned normally).
    public var outcome: String?? { result.withLock { $0 } }
}
