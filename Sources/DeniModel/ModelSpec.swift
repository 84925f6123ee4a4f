/// What the classifier reads: the pooler ([CLS] → dense + tanh), the raw [CLS] state, or the masked mean.
public enum Pooling: String, Codable, CaseIterable, Sendable { case pooler, cls, mean }

/// Everything that fixes the parameter layout and the computation of a classifier.
public struct ModelSpec: Hashable, Sendable {
    public var config: BertConfig
    public var adapter: AdapterSpec
    public var numLabels: Int
    public var pooling: Pooling
    /// Dropout before the classifier head (the paper: 0.3).
    public var headDropout: Float

    public init(config: BertConfig, adapter: AdapterSpec = AdapterSpec(), numLabels: Int, pooling: Pooling = .pooler, headDropout: Float = 0.3) {
        self.config = config; self.adapter = adapter; self.numLabels = numLabels; self.pooling = pooling; self.headDropout = headDropout
    }

    /// Refuses impossible adapter settings before any allocation, naming the parameter.
    public func validate() throws {
        if numLabels < 2 { throw ModelError("model spec", "number of labels \(numLabels) (need at least 2)") }
        if !(0..<1).contains(headDropout) { throw ModelError("model spec", "head dropout \(headDropout) (valid: 0 ≤ p < 1)") }
        try adapter.validate(hiddenSize: config.hiddenSize)
    }
}
