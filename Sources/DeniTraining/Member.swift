import DeniCore
import DeniModel
import Synchronization

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
    /// One workspace for training batches, grown when a batch does not fit, and one evaluation workspace per
    /// worker thread, sized for the largest batch of a `predict` call.
    private var trainSpace: Workspace?
    private var evalSpaces: [Workspace?] = []

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

    /// Worker `w`'s evaluation workspace, able to hold `size` sequences of `length` tokens.
    private func evalWorkspace(_ model: BertModel, worker w: Int, size: Int, length: Int) -> Workspace {
        if evalSpaces.count <= w { evalSpaces += [Workspace?](repeating: nil, count: w + 1 - evalSpaces.count) }
        if let ws = evalSpaces[w], ws.capacityBatch >= size, ws.capacityLength >= length { return ws }
        let old = evalSpaces[w]
        let ws = model.makeWorkspace(batchSize: max(size, old?.capacityBatch ?? 0), length: max(length, old?.capacityLength ?? 0),
                                     forTraining: false)
        evalSpaces[w] = ws
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

    /// Class probabilities (N, C) for `batches` in eval mode, in the batches' order.
    ///
    /// With several threads the work is spread over them, each thread running whole forward passes with its
    /// own workspace and single-threaded products (no synchronisation inside a pass); a thread takes the next
    /// batch when it finishes one, so a thread slowed by something else on the machine holds up nothing. When
    /// there are fewer batches than threads, each batch is cut into n parts along its rows (same padded length,
    /// so every example sees the same computation). Each example's probabilities depend only on its batch,
    /// never on the thread that computed it.
    public func predict(_ model: BertModel, _ batches: [Batch], weights override: ModelWeights? = nil) -> [[Float]] {
        let w = override ?? weights
        let C = w.layout.spec.numLabels
        let n = Threads.count
        let work = batches.count >= n || n == 1 ? batches : batches.flatMap { $0.split(into: n) }
        var results = [[[Float]]](repeating: [], count: work.count)
        let maxSize = work.map(\.size).max() ?? 1, maxLength = work.map(\.length).max() ?? 1
        let workers = min(n, work.count)
        let spaces = (0..<max(1, workers)).map { evalWorkspace(model, worker: $0, size: maxSize, length: maxLength) }
        let next = Atomic<Int>(0)
        results.withUnsafeMutableBufferPointer { out in
            let out = UncheckedSendable(out), shared = UncheckedSendable((model, w, work, spaces))
            let body = { (worker: Int) in
                let (model, w, work, spaces) = shared.value
                while true {
                    let i = next.add(1, ordering: .relaxed).oldValue
                    guard i < work.count else { break }
                    let b = work[i], ws = spaces[worker]
                    var o = BertModel.ForwardOptions()
                    model.forward(w, b, ws, &o)
                    let p = model.probabilities(ws)
                    out.value[i] = (0..<b.size).map { j in Array(p[(j * C)..<((j + 1) * C)]) }
                }
            }
            if workers > 1 { Threads.parallel(workers, body) } else { body(0) }
        }
        return results.flatMap { $0 }
    }
}
