import DeniCore
import DeniModel

/// One trainable model copy: weights, gradients, optimiser, schedule, dropout stream and the
/// workspaces (one per batch shape) it reuses.
public final class Member: @unchecked Sendable {
    public let weights: ModelWeights
    public let grads: Gradients
    public var adam: Adam
    public var schedule: LearningRateSchedule
    public var dropout: RandomStream
    /// Optimiser steps this member has taken.
    public private(set) var steps = 0
    /// Added to `steps` when reading the schedule (a copy that follows its parent's schedule).
    public var scheduleOffset = 0
    /// One workspace for training batches, grown when a batch does not fit; evaluation keeps its own.
    private var trainSpace: Workspace?
    private let inference = Inference()

    public init(weights: ModelWeights, adam: Adam, schedule: LearningRateSchedule, dropout: RandomStream) {
        self.weights = weights; self.adam = adam; self.schedule = schedule; self.dropout = dropout
        grads = Gradients(layout: weights.layout)
    }

    func workspace(_ model: BertModel, _ batch: Batch) -> Workspace {
        if let ws = trainSpace, ws.fits(batch) { return ws }
        let ws = model.makeWorkspace(batchSize: max(batch.size, trainSpace?.capacityBatch ?? 0),
                                     length: max(batch.length, trainSpace?.capacityLength ?? 0), forTraining: true)
        trainSpace = ws
        return ws
    }

    /// Hooks a strategy can set for one training step.
    public struct StepHooks {
        /// Added to the pooled vector before the head (B, H) — Input noise.
        public var pooledNoise: [Float]? = nil
        /// Train only the head this step — Input noise.
        public var headOnly = false
        /// Head weight used in this step's forward and backward (C, H) — Mixout.
        public var headWeight: [Float]? = nil
        /// Overrides the dropout before the head — Mixout trains with 0.
        public var headDropout: Float? = nil
        /// Called after backward, before the optimiser step (e.g. Mixout's gradient mapping).
        public var afterBackward: ((Gradients) -> Void)? = nil
        public init() {}
    }

    /// Forward, backward and one optimiser step on `batch`; returns the batch loss.
    @discardableResult
    public func trainStep(_ model: BertModel, _ batch: Batch, hooks: StepHooks = StepHooks()) -> Float {
        let ws = workspace(model, batch)
        grads.zero()
        var options = BertModel.ForwardOptions(dropout: dropout)
        options.headDropout = hooks.headDropout
        var loss: Float = 0
        func run(_ noise: UnsafePointer<Float>?, _ head: UnsafePointer<Float>?) {
            options.pooledNoise = noise
            options.headWeight = head
            loss = model.forward(weights, batch, ws, &options)
            model.backward(weights, grads, batch, ws, headOnly: hooks.headOnly, headWeight: head)
        }
        switch (hooks.pooledNoise, hooks.headWeight) {
        case let (n?, h?): n.withUnsafeBufferPointer { np in h.withUnsafeBufferPointer { hp in run(np.baseAddress, hp.baseAddress) } }
        case let (n?, nil): n.withUnsafeBufferPointer { run($0.baseAddress, nil) }
        case let (nil, h?): h.withUnsafeBufferPointer { run(nil, $0.baseAddress) }
        case (nil, nil): run(nil, nil)
        }
        dropout = options.dropout!
        hooks.afterBackward?(grads)
        steps += 1
        adam.step(weights, grads, lr: Float(schedule.rate(step: steps + scheduleOffset)))
        return loss
    }

    /// Class probabilities (N, C) for `batches` in eval mode, in the batches' order (`Inference.probabilities`),
    /// with these weights or `override`.
    public func predict(_ model: BertModel, _ batches: [Batch], weights override: ModelWeights? = nil) -> [[Float]] {
        inference.probabilities(model, override ?? weights, batches)
    }
}
