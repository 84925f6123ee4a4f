import DeniTraining
import Foundation

/// Something that runs experiments and publishes their events: the real `ExperimentRunner`, the recording
/// `RecordingDriver` (the UI's), or a fake in tests.
public protocol ExperimentDriver: AnyObject, Sendable {
    /// Runs `config` to the end on the calling thread, publishing every event to `sink`. A cancellation
    /// through `control` returns normally (the caller asks `control.isCancelled`); a failure throws.
    func run(_ config: ExperimentConfig, sink: EventSink, control: RunControl) throws
}

/// Controls a running experiment from another thread (UI or signal handler).
public final class RunControl: @unchecked Sendable {
    private let lock = NSLock()
    private var _paused = false, _cancelAll = false, _cancelRun = false
    public init() {}
    public var isPaused: Bool { with { _paused } }
    public var isCancelled: Bool { with { _cancelAll } }
    public func pause() { with { _paused = true } }
    public func resume() { with { _paused = false } }
    public func cancelAll() { with { _cancelAll = true; _paused = false } }
    /// Cancels the run in progress; the experiment goes on with the next.
    public func cancelCurrentRun() { with { _cancelRun = true } }
    /// Returns and clears the run-cancel request.
    public func takeRunCancellation() -> Bool { with { let r = _cancelRun; _cancelRun = false; return r } }

    private func with<T>(_ body: () -> T) -> T { lock.lock(); defer { lock.unlock() }; return body() }
}
