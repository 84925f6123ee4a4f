import DeniTraining

/// How a run stands: running, or one of the four ways it can end — finished (with test metrics), failed, cancelled
/// (stopped by the user), interrupted (the experiment ended while the run had not: the process stopped or was killed).
/// Only finished runs count as done. The one definition the UI, the Results table, the plots and `deni export` use.
public enum RunState: String, Hashable, Sendable, CaseIterable, Codable {
    case running, finished, failed, cancelled, interrupted

    /// The state a `run_end` with `status` leaves a run in.
    public init(_ status: RunStatus) {
        self = switch status { case .finished: .finished; case .failed: .failed; case .cancelled: .cancelled }
    }

    /// The state of a run whose last `run_end` had `status`, or that never ended (nil): interrupted once the
    /// experiment is over, running while it goes on.
    public init(ended status: RunStatus?, experimentOver: Bool = true) {
        if let status { self.init(status) } else { self = experimentOver ? .interrupted : .running }
    }

    /// The ways a run can end without finishing, in display order.
    public static let unfinished: [RunState] = [.failed, .cancelled, .interrupted]
}
