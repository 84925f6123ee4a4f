/// DENI's schedule as METHOD.md specifies it: which steps start or end a noisy-interpolation round and
/// where the delayed ensemble is created. Pure and deterministic; the trainer asks it before every step.
public struct DENISchedule: Sendable {
    public enum Action: Equatable, Sendable { case startRound, endRound, startEnsemble }

    public let totalSteps: Int
    public let windowStart: Int, windowEnd: Int, ensembleStart: Int
    public let period: Int, roundLength: Int
    public let interpolation: Bool, ensemble: Bool
    public private(set) var phase = TrainingPhase.single
    private var since = 0

    public init(totalSteps: Int, stepsPerEpoch: Int, config: DENIConfig, interpolation: Bool = true, ensemble: Bool = true) {
        self.totalSteps = totalSteps
        windowStart = Int((config.interpolationStart * Double(totalSteps)).rounded(.down))
        windowEnd = Int((config.interpolationEnd * Double(totalSteps)).rounded(.down))
        ensembleStart = Int((config.ensembleStart * Double(totalSteps)).rounded(.down))
        period = config.period.steps(perEpoch: stepsPerEpoch)
        roundLength = config.roundLength.steps(perEpoch: stepsPerEpoch)
        self.interpolation = interpolation; self.ensemble = ensemble
    }

    /// Call once before training step `step` (1-based); returns the phase change to carry out, if any.
    public mutating func before(step: Int) -> Action? {
        var action: Action? = nil
        if interpolation && ((windowStart <= step && step < windowEnd) || phase == .interpolating) {
            if phase == .single && since >= period {
                phase = .interpolating; since = 0; action = .startRound
            } else if phase == .interpolating && since >= roundLength {
                phase = .single; since = 0; action = .endRound
            }
        } else if ensemble && step >= ensembleStart && phase == .single {
            phase = .ensemble; action = .startEnsemble
        }
        return action
    }

    /// Call once after training step `step`.
    public mutating func after() { since += 1 }

    /// The phase of every step 1...T (for tests and the UI timeline).
    public static func phases(totalSteps: Int, stepsPerEpoch: Int, config: DENIConfig, interpolation: Bool = true, ensemble: Bool = true) -> [TrainingPhase] {
        var s = DENISchedule(totalSteps: totalSteps, stepsPerEpoch: stepsPerEpoch, config: config, interpolation: interpolation, ensemble: ensemble)
        return (1...max(1, totalSteps)).map { step in _ = s.before(step: step); defer { s.after() }; return s.phase }
    }
}
