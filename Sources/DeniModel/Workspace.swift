import DeniCore

/// Activations of one forward pass kept for backward. Buffers are allocated for a capacity (batch size and
/// length) and reused by every batch that fits, whatever its shape: all strides follow the current B and T.
public final class Workspace: @unchecked Sendable {
    public private(set) var B: Int, T: Int
    public let capacityBatch: Int, capacityLength: Int
    let H: Int, FF: Int, NH: Int, C: Int
    var BT: Int { B * T }

    // Embeddings
    let embSum: FloatBuffer, embMean: FloatBuffer, embRstd: FloatBuffer, embLN: FloatBuffer, embMask: FloatBuffer
    let x0: FloatBuffer                 // (BT, H) input of layer 0
    let keyBias: FloatBuffer            // per sequence (P + rows): 0, or -1e30 for padded keys (P prefix keys, always 0)
    var ids: [Int32]
    // Layers
    final class Layer {
        let q, k, v, ctx, ao, aoMask, res1, ln1Mean, ln1Rstd, h1, ff1, ffg, fo, foMask, res2, ln2Mean, ln2Rstd, out: FloatBuffer
        let probs: FloatBuffer, probsDrop: FloatBuffer, attMask: FloatBuffer   // (B, NH, T, prefix + T)
        let geluGrad: FloatBuffer   // (BT, FF) GELU'(ff1), training only
        /// Dropout masks, the dropped probabilities and GELU' exist only in training workspaces.
        init(BT: Int, H: Int, FF: Int, att: Int, training: Bool) {
            let t = training ? 1 : 0
            geluGrad = FloatBuffer(count: t * BT * FF)
            q = FloatBuffer(count: BT * H); k = FloatBuffer(count: BT * H); v = FloatBuffer(count: BT * H); ctx = FloatBuffer(count: BT * H)
            ao = FloatBuffer(count: BT * H); aoMask = FloatBuffer(count: t * BT * H); res1 = FloatBuffer(count: BT * H)
            ln1Mean = FloatBuffer(count: BT); ln1Rstd = FloatBuffer(count: BT); h1 = FloatBuffer(count: BT * H)
            ff1 = FloatBuffer(count: BT * FF); ffg = FloatBuffer(count: BT * FF); fo = FloatBuffer(count: BT * H)
            foMask = FloatBuffer(count: t * BT * H); res2 = FloatBuffer(count: BT * H)
            ln2Mean = FloatBuffer(count: BT); ln2Rstd = FloatBuffer(count: BT); out = FloatBuffer(count: BT * H)
            probs = FloatBuffer(count: att); probsDrop = FloatBuffer(count: t * att); attMask = FloatBuffer(count: t * att)
        }
    }
    let layers: [Layer]
    /// Each linear site's adapter scratch (nil for plain sites), by `LinearSite.slot`.
    let siteScratch: [AnyObject?]
    /// Prefix keys per layer (the layer adapter's: UniPELT's prefix length; 0 otherwise): attention has P + T keys.
    let P: Int
    /// The layer adapter's saved activations and scratch (nil without one).
    let layerScratch: AnyObject?
    // Pooling and head
    let poolIn: FloatBuffer      // (B, H) [CLS] state or masked mean
    let pooled: FloatBuffer      // (B, H) after the pooler's tanh (or = poolIn)
    let headMask: FloatBuffer    // (B, H)
    let headIn: FloatBuffer      // (B, H) pooled (+ input noise) ⊙ dropout
    public let logits: FloatBuffer      // (B, C)
    let probsOut: FloatBuffer    // (B, C)
    // Backward scratch
    let dA: FloatBuffer, dB: FloatBuffer, dFF: FloatBuffer, dFF2: FloatBuffer, dQ: FloatBuffer, dK: FloatBuffer, dV: FloatBuffer
    let dAtt: FloatBuffer, tmp: FloatBuffer
    /// Whether `batch` fits this workspace's capacity.
    public func fits(_ batch: Batch) -> Bool {
        batch.size <= capacityBatch && batch.length <= capacityLength
    }

    /// Adopts the shape of `batch` (which must fit) and its row layout: packed unless a layer adapter (UniPELT) runs.
    func reshape(for batch: Batch) {
        precondition(fits(batch), "batch \(batch.size)×\(batch.length) exceeds the workspace capacity")
        B = batch.size; T = batch.length
        rows = RowLayout(batch: batch, prefix: P, heads: NH, allowPacking: layerScratch == nil)
    }

    /// The rows of the current batch (`reshape`).
    private(set) var rows: RowLayout
    /// Token rows in use: Σ real lengths when packed, B·T when padded.
    var R: Int { rows.R }

    var training = false
    var usedHeadMask = false

    /// An evaluation-only workspace keeps one layer's activations (shared by every layer, each of which
    /// reads its input before writing its output) and no backward buffers.
    public let forTraining: Bool

    init(model: BertModel, batch: Batch, forTraining: Bool = true) {
        self.forTraining = forTraining
        let c = model.layout.spec.config
        let (B, T, H, FF, NH) = (batch.size, batch.length, c.hiddenSize, c.intermediateSize, c.numHeads)
        self.B = B; self.T = T; self.H = H; self.FF = FF; self.NH = NH; C = model.layout.spec.numLabels
        P = model.layerAdapter?.prefixKeys ?? 0
        let BT = B * T, att = B * NH * T * (P + T)   // attention cells: T queries × (P + T) keys
        capacityBatch = B; capacityLength = T
        embSum = FloatBuffer(count: BT * H); embMean = FloatBuffer(count: BT); embRstd = FloatBuffer(count: BT)
        embLN = FloatBuffer(count: BT * H); embMask = FloatBuffer(count: (forTraining ? 1 : 0) * BT * H); x0 = FloatBuffer(count: BT * H)
        keyBias = FloatBuffer(count: B * (P + T))
        ids = batch.ids
        rows = RowLayout(batch: batch, prefix: P, heads: NH, allowPacking: model.layerAdapter == nil)
        if forTraining {
            layers = (0..<c.numLayers).map { _ in Layer(BT: BT, H: H, FF: FF, att: att, training: true) }
        } else {
            let shared = Layer(BT: BT, H: H, FF: FF, att: att, training: false)
            layers = Array(repeating: shared, count: c.numLayers)
        }
        siteScratch = model.sites.flatMap { $0 }.map { $0.makeScratch(rows: BT, forTraining: forTraining) }
        layerScratch = model.layerAdapter?.makeScratch(B: B, T: T, forTraining: forTraining)
        poolIn = FloatBuffer(count: B * H); pooled = FloatBuffer(count: B * H); headMask = FloatBuffer(count: B * H)
        headIn = FloatBuffer(count: B * H); logits = FloatBuffer(count: B * model.layout.spec.numLabels); probsOut = FloatBuffer(count: B * model.layout.spec.numLabels)
        let g = forTraining ? 1 : 0   // backward buffers only for training
        dA = FloatBuffer(count: g * BT * H); dB = FloatBuffer(count: g * BT * H); dFF = FloatBuffer(count: g * BT * FF)
        dFF2 = FloatBuffer(count: g * BT * FF); dQ = FloatBuffer(count: g * BT * H); dK = FloatBuffer(count: g * BT * H)
        dV = FloatBuffer(count: g * BT * H); dAtt = FloatBuffer(count: g * att); tmp = FloatBuffer(count: max(g * BT * max(H, FF), B * C))
    }
}
