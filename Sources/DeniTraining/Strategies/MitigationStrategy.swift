import DeniCore
import DeniModel

/// A mitigation strategy plugs into `TrainingRun` through these hooks. It may own model copies
/// (`run.copies` train on the same batches as the main model) and decides what predicts at the end.
public protocol MitigationStrategy: AnyObject {
    var vote: Vote { get }
    /// Before the first step (e.g. Prior noise, Mixout's target).
    func prepare(_ run: TrainingRun) throws
    /// Trains the run; returns the number of main-model steps taken. Default: one training loop.
    func train(_ run: TrainingRun) throws -> Int
    /// Before step `step` (1-based): phase changes, weight noise.
    func beforeStep(_ run: TrainingRun, step: Int)
    /// Hooks for the main model's step.
    func hooks(_ run: TrainingRun, step: Int, batch: Batch) -> Member.StepHooks
    /// Hooks for each copy's step.
    func copyHooks(_ run: TrainingRun, step: Int, batch: Batch) -> Member.StepHooks
    /// After every model took step `step`: averaging.
    func afterStep(_ run: TrainingRun, step: Int)
    /// After the step's events (and evaluation) were published.
    func afterEvaluation(_ run: TrainingRun, step: Int)
    /// The weights that predict (each with its own weights; more than one → vote).
    func predictors(_ run: TrainingRun) -> [ModelWeights]
}

extension MitigationStrategy {
    public var vote: Vote { .hard }
    public func prepare(_ run: TrainingRun) throws {}
    public func train(_ run: TrainingRun) throws -> Int {
        try run.trainLoop(self, member: run.main, order: run.setup.seeds.stream(.order), publishSteps: true)
    }
    public func beforeStep(_ run: TrainingRun, step: Int) {}
    public func hooks(_ run: TrainingRun, step: Int, batch: Batch) -> Member.StepHooks { Member.StepHooks() }
    public func copyHooks(_ run: TrainingRun, step: Int, batch: Batch) -> Member.StepHooks { Member.StepHooks() }
    public func afterStep(_ run: TrainingRun, step: Int) {}
    public func afterEvaluation(_ run: TrainingRun, step: Int) {}
    public func predictors(_ run: TrainingRun) -> [ModelWeights] { [run.main.weights] }
}

/// Default, Best practices and Augment: plain fine-tuning (their epochs, warmup and data differ in the setup).
final class PlainStrategy: MitigationStrategy {}

/// Whether step `step` is a noise step: every `every`-th step inside [floor(start·T), floor(end·T)).
func isNoiseStep(_ step: Int, total: Int, start: Double, end: Double, every: Int) -> Bool {
    let lo = Int((start * Double(total)).rounded(.down)), hi = Int((end * Double(total)).rounded(.down))
    return step >= lo && step < hi && (step - lo) % every == 0
}
