import DeniCore

/// How far a precision's model output lands from the fp32 engine's: one forward and backward (dropout off) of the
/// same weights on the same batch in fp32 and in `precision`, compared by relative L2 distance
/// ‖x − x_fp32‖ / ‖x_fp32‖ of the logits and of every trainable gradient together.
public enum PrecisionParity {
    public struct Result: Sendable {
        public var logits: Double
        public var gradients: Double
    }

    /// Logits (B, C) and trainable gradients of one forward and backward with whatever computes products now
    /// (`GEMM.products`).
    public static func pass(_ weights: ModelWeights, _ batch: Batch) -> (logits: [Float], gradients: [Float]) {
        let model = BertModel(layout: weights.layout)
        let ws = model.makeWorkspace(for: batch)
        let g = Gradients(layout: weights.layout)
        g.zero()
        var options = BertModel.ForwardOptions()
        model.forward(weights, batch, ws, &options)
        model.backward(weights, g, batch, ws)
        return (ws.logits.array, g.buffer.array)
    }

    /// Compares `precision` with fp32 on `batch`; the GEMM precision is restored afterwards.
    public static func measure(_ weights: ModelWeights, _ batch: Batch, precision: Precision) throws(PrecisionError) -> Result {
        let previous = GEMM.precision
        defer { try? GEMM.use(previous) }
        try GEMM.use(.fp32)
        let reference = pass(weights, batch)
        try GEMM.use(precision)
        let other = pass(weights, batch)
        return Result(logits: relativeL2(other.logits, reference.logits), gradients: relativeL2(other.gradients, reference.gradients))
    }

    /// ‖a − reference‖ / ‖reference‖ in double precision (0 when both are zero; infinity when only the reference is).
    public static func relativeL2(_ a: [Float], _ reference: [Float]) -> Double {
        precondition(a.count == reference.count, "relativeL2 of \(a.count) and \(reference.count) values")
        var diff = 0.0, norm = 0.0
        for i in a.indices {
            let d = Double(a[i]) - Double(reference[i])
            diff += d * d
            norm += Double(reference[i]) * Double(reference[i])
        }
        if norm == 0 { return diff == 0 ? 0 : .infinity }
        return (diff / norm).squareRoot()
    }
}
