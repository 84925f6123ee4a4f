import DeniCore
import DeniData
import DeniModel
import Foundation

/// Everything one run of one strategy needs.
public struct RunSetup: Sendable {
    public var id: RunID
    public var strategy: StrategyConfig
    public var seeds: Seeds
    public var train: [EncodedExample]
    public var test: [EncodedExample]
    /// Fixed subsample of the test split for live curves (consumes no randomness).
    public var evalSubset: [EncodedExample]
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    /// Evaluate the subsample every this many steps (0: once per epoch; negative: never).
    public var evalEvery: Int
    public var evalBatchSize = EvaluationBatches.defaultSize
    public var adam = Adam.Settings()
    /// Tuning kind, for the noise scope default (head for full fine-tuning, trainable for PEFT).
    public var fullFineTuning: Bool

    public init(id: RunID, strategy: StrategyConfig, seeds: Seeds, train: [EncodedExample], test: [EncodedExample],
                evalSubset: [EncodedExample], epochs: Int, batchSize: Int, learningRate: Double, evalEvery: Int, fullFineTuning: Bool) {
        self.id = id; self.strategy = strategy; self.seeds = seeds; self.train = train; self.test = test
        self.evalSubset = evalSubset; self.epochs = epochs; self.batchSize = batchSize; self.learningRate = learningRate
        self.evalEvery = evalEvery; self.fullFineTuning = fullFineTuning
    }

    /// Epochs after the strategy's override (Best practices: 2×, Augment: 1.2× the experiment's).
    public var effectiveEpochs: Int { strategy.epochs(base: epochs) }
    public var stepsPerEpoch: Int { (train.count + batchSize - 1) / batchSize }
    public var totalSteps: Int { effectiveEpochs * stepsPerEpoch }
}

/// The result of one run.
public struct RunOutcome: Sendable {
    public var status: RunStatus
    public var metrics: RunMetrics?
    public var predictions: [Int]
    public var cost: CostCounters
    public var failure: String?
    public var steps: Int
    /// The one model that made the test predictions (the main model, or SWA's / EMA's average); nil when several
    /// voted (ensembles) or the run did not finish.
    public var predictor: ModelWeights?
}

/// Pause/cancel requests the loop polls once per step.
public protocol TrainingControl: Sendable {
    /// Blocks while paused; returns true when the run must stop.
    func checkpoint() -> Bool
}

/// A run that trains, publishes events and evaluates. The strategy plugs in through `MitigationStrategy`.
public final class TrainingRun: @unchecked Sendable {
    public let setup: RunSetup
    public let model: BertModel
    let base: ModelWeights
    let sink: EventSink?
    let control: TrainingControl?
    let started = Date()
    public private(set) var main: Member!
    /// Copies that train on the same batches as `main` (DENI rounds and ensemble).
    public internal(set) var copies: [Member] = []
    public internal(set) var phase = TrainingPhase.single
    var cost = CostCounters()
    var noise: RandomStream
    public var numLabels: Int { base.layout.spec.numLabels }

    public init(setup: RunSetup, model: BertModel, base: ModelWeights, sink: EventSink?, control: TrainingControl?) {
        self.setup = setup; self.model = model; self.base = base; self.sink = sink; self.control = control
        noise = setup.seeds.stream(.noise)
    }

    /// Seconds spent in `control.checkpoint()`, which blocks while training is paused: not running time.
    private var pausedSeconds = 0.0
    /// Running seconds since the run started (pauses left out): every event's time and the run's wall cost, so
    /// speeds and ETAs measured from them hold across a pause.
    var time: Double { Date().timeIntervalSince(started) - pausedSeconds }

    func publish(_ e: TrainingEvent) { sink?.publish(e) }

    /// A fresh member: new head/adapters from the init stream (substream `index` for extra members).
    func makeMember(index: UInt64, schedule: LearningRateSchedule) -> Member {
        let initStream = index == 0 ? setup.seeds.stream(.initialization) : setup.seeds.stream(.initialization).substream(index)
        let dropout = index == 0 ? setup.seeds.stream(.dropout) : setup.seeds.stream(.dropout).substream(index)
        return Member(weights: base.freshCopy(initStream: initStream), adam: Adam(layout: base.layout, settings: setup.adam),
                      schedule: schedule, dropout: dropout)
    }

    public var schedule: LearningRateSchedule {
        LearningRateSchedule(base: setup.learningRate, totalSteps: setup.totalSteps,
                             warmupSteps: Int((setup.strategy.warmup * Double(setup.totalSteps)).rounded()))
    }

    /// Trains one member from scratch on its own order stream; used by every strategy (Ensemble calls it K times).
    func trainLoop(_ strategy: MitigationStrategy, member: Member, order: RandomStream, publishSteps: Bool) throws -> Int {
        var batches = BatchOrder(examples: setup.train, batchSize: setup.batchSize, stream: order)
        let T = setup.totalSteps, perEpoch = setup.stepsPerEpoch
        let evalEvery = setup.evalEvery == 0 ? perEpoch : setup.evalEvery
        for step in 1...T {
            if let control {
                let waitStart = Date()
                let stop = control.checkpoint()
                pausedSeconds += Date().timeIntervalSince(waitStart)
                if stop { throw RunStop.cancelled(step: step) }
            }
            strategy.beforeStep(self, step: step)
            let batch = batches.next()
            let hooks = strategy.hooks(self, step: step, batch: batch)
            let flops0 = GEMM.flops
            let loss: Float
            if copies.isEmpty || Threads.count < 2 {
                loss = member.trainStep(model, batch, hooks: hooks)
                for c in copies { c.trainStep(model, batch, hooks: strategy.copyHooks(self, step: step, batch: batch)) }
            } else {
                loss = stepSideBySide(member, hooks: hooks, copies: copies, copyHooks: strategy.copyHooks(self, step: step, batch: batch), batch: batch)
            }
            cost.modelSteps += 1 + copies.count
            cost.trainingFLOPs += Double(GEMM.flops - flops0)
            guard loss.isFinite else { throw RunStop.diverged(step: step, loss: loss) }
            strategy.afterStep(self, step: step)
            if publishSteps {
                publish(.step(id: setup.id, step: step, epoch: (step - 1) / perEpoch + 1, loss: Double(loss),
                              learningRate: member.schedule.rate(step: member.steps + member.scheduleOffset), time: time))
                if evalEvery > 0 && setup.evalEvery >= 0 && !setup.evalSubset.isEmpty && (step % evalEvery == 0 || step == T) {
                    let m = evaluate(strategy.predictors(self), examples: setup.evalSubset, vote: strategy.vote)
                    publish(.evaluation(id: setup.id, step: step, accuracy: m.metrics.accuracy, macroF1: m.metrics.macroF1,
                                        loss: m.loss, subset: true, time: time))
                }
                if step % perEpoch == 0 || step == T {
                    var c = cost; c.wallSeconds = time; c.peakMemoryBytes = Self.peakMemory()
                    publish(.cost(id: setup.id, step: step, cost: c))
                }
            }
            strategy.afterEvaluation(self, step: step)
        }
        return T
    }

    /// Trains the main model and its copies on `batch`, one model per thread (`deni bench cores`: side by
    /// side beats splitting each model's products over both threads, 1.15× for LoRA, 1.0× for full
    /// fine-tuning). Model i goes to thread i mod n, so the layout is fixed by the thread count.
    private func stepSideBySide(_ main: Member, hooks: Member.StepHooks, copies: [Member], copyHooks: Member.StepHooks, batch: Batch) -> Float {
        let models = UncheckedSendable([main] + copies)
        let n = Threads.count
        let mainLoss = UncheckedSendable(UnsafeMutablePointer<Float>.allocate(capacity: 1))
        defer { mainLoss.value.deallocate() }
        let h = UncheckedSendable((hooks, copyHooks)), m = UncheckedSendable(model), b = UncheckedSendable(batch)
        Threads.parallel(n) { worker in
            for i in stride(from: worker, to: models.value.count, by: n) {
                let l = models.value[i].trainStep(m.value, b.value, hooks: i == 0 ? h.value.0 : h.value.1)
                if i == 0 { mainLoss.value.pointee = l }
            }
        }
        return mainLoss.value.pointee
    }

    enum RunStop: Error { case cancelled(step: Int), diverged(step: Int, loss: Float) }

    /// Creates the main member without training (tests drive the loop themselves).
    func mainForTesting() { main = makeMember(index: 0, schedule: schedule) }

    /// Runs the strategy end to end: train, then evaluate once on the whole test split.
    public func run() -> RunOutcome {
        let strategy = setup.strategy.makeStrategy()
        publish(.runStart(id: setup.id, seeds: setup.seeds, totalSteps: setup.totalSteps, trainExamples: setup.train.count, time: 0))
        var stepsDone = 0
        do {
            main = makeMember(index: 0, schedule: schedule)
            try strategy.prepare(self)
            stepsDone = try strategy.train(self)
        } catch RunStop.cancelled(let step) {
            return finish(.cancelled, nil, [], "cancelled at step \(step)", step: step - 1)
        } catch RunStop.diverged(let step, let loss) {
            return finish(.failed, nil, [], "diverged at step \(step): loss \(loss)", step: step)
        } catch {
            return finish(.failed, nil, [], "\(error)", step: stepsDone)
        }
        let predictors = strategy.predictors(self)
        let result = evaluate(predictors, examples: setup.test, vote: strategy.vote)
        return finish(.finished, result.metrics, result.predictions, nil, step: stepsDone, predictor: predictors.count == 1 ? predictors[0] : nil)
    }

    private func finish(_ status: RunStatus, _ metrics: RunMetrics?, _ predictions: [Int], _ failure: String?, step: Int,
                        predictor: ModelWeights? = nil) -> RunOutcome {
        cost.wallSeconds = time
        cost.peakMemoryBytes = Self.peakMemory()
        publish(.runEnd(id: setup.id, status: status, metrics: metrics, cost: cost, failure: failure, step: step, time: time))
        return RunOutcome(status: status, metrics: metrics, predictions: predictions, cost: cost, failure: failure, steps: step,
                          predictor: predictor)
    }

    /// Each predictor predicts with its own weights; the labels are their vote.
    func evaluate(_ predictors: [ModelWeights], examples: [EncodedExample], vote: Vote) -> (metrics: RunMetrics, predictions: [Int], loss: Double) {
        // Batches of similar lengths pad less; results are put back in the examples' order.
        let eval = EvaluationBatches(examples, batchSize: setup.evalBatchSize)
        let probs = predictors.map { p in eval.restore(main.predict(model, eval.batches, weights: p)) }
        cost.inferencePasses += predictors.count * eval.batches.count
        let predictions = WeightOps.vote(probs, soft: vote == .soft)
        let labels = examples.map(\.label)
        // Loss of the averaged probabilities (the predictor's probability of the true class).
        var loss = 0.0
        for i in 0..<examples.count {
            let p = probs.reduce(0.0) { $0 + Double($1[i][labels[i]]) } / Double(probs.count)
            loss -= log(max(p, 1e-12))
        }
        let m = classificationMetrics(predictions: predictions, labels: labels, classCount: numLabels)
        return (RunMetrics(accuracy: m.accuracy, macroF1: m.macroF1, perClassF1: m.perClassF1, confusion: m.confusion),
                predictions, loss / Double(max(1, examples.count)))
    }

    /// Peak resident memory of this process (VmHWM), in bytes; 0 where /proc is unavailable.
    public static func peakMemory() -> Int { ProcessUsage.current().peakResidentBytes }

    /// The noise scope for this run's tuning kind when the config leaves it open.
    func defaultScope(_ scope: NoiseScope?) -> NoiseScope { scope ?? (setup.fullFineTuning ? .head : .trainable) }
}
