import DeniCore
import DeniModel
import Synchronization

/// Eval-mode prediction over batches, spread over the engine's threads, with one evaluation workspace per worker
/// thread (sized for the largest batch seen, reused across calls). Training runs evaluate through it (each
/// `Member` holds one) and so does `deni predict`, so a saved classifier predicts as the run that saved it did.
public final class Inference: @unchecked Sendable {
    private var spaces: [Workspace?] = []

    public init() {}

    /// Worker `w`'s evaluation workspace, able to hold `size` sequences of `length` tokens.
    private func workspace(_ model: BertModel, worker w: Int, size: Int, length: Int) -> Workspace {
        if spaces.count <= w { spaces += [Workspace?](repeating: nil, count: w + 1 - spaces.count) }
        if let ws = spaces[w], ws.capacityBatch >= size, ws.capacityLength >= length { return ws }
        let old = spaces[w]
        let ws = model.makeWorkspace(batchSize: max(size, old?.capacityBatch ?? 0), length: max(length, old?.capacityLength ?? 0),
                                     forTraining: false)
        spaces[w] = ws
        return ws
    }

    /// Class probabilities (N, C) of the model `w` for `batches` in eval mode, in the batches' order.
    ///
    /// With several threads the work is spread over them, each thread running whole forward passes with its
    /// own workspace and single-threaded products (no synchronisation inside a pass); a thread takes the next
    /// batch when it finishes one, so a thread slowed by something else on the machine holds up nothing. When
    /// there are fewer batches than threads, each batch is cut into n parts along its rows (same padded length,
    /// so every example sees the same computation). Each example's probabilities depend only on its batch,
    /// never on the thread that computed it.
    public func probabilities(_ model: BertModel, _ w: ModelWeights, _ batches: [Batch]) -> [[Float]] {
        let C = w.layout.spec.numLabels
        let n = Threads.count
        let work = batches.count >= n || n == 1 ? batches : batches.flatMap { $0.split(into: n) }
        var results = [[[Float]]](repeating: [], count: work.count)
        let maxSize = work.map(\.size).max() ?? 1, maxLength = work.map(\.length).max() ?? 1
        let workers = min(n, work.count)
        let workspaces = (0..<max(1, workers)).map { workspace(model, worker: $0, size: maxSize, length: maxLength) }
        let next = Atomic<Int>(0)
        // Marked once here, not by each pass: the threads share the weights' prepared copies.
        w.params.markChanged()
        results.withUnsafeMutableBufferPointer { out in
            let out = UncheckedSendable(out), shared = UncheckedSendable((model, w, work, workspaces))
            let body = { (worker: Int) in
                let (model, w, work, workspaces) = shared.value
                while true {
                    let i = next.add(1, ordering: .relaxed).oldValue
                    guard i < work.count else { break }
                    let b = work[i], ws = workspaces[worker]
                    var o = BertModel.ForwardOptions()
                    o.weightsMarked = true
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
