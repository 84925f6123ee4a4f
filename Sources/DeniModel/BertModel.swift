import DeniCore
#if canImport(Glibc)
import Glibc
#endif

/// The computation of a BERT sequence classifier: embeddings → encoder → pooling → dropout → linear head.
/// Weights live in `ModelWeights` (one per copy); activations in a `Workspace` (one per shape and thread).
/// Forward saves exactly what backward needs; backward accumulates into `Gradients`.
public final class BertModel: @unchecked Sendable {
    public let layout: ParameterLayout
    let config: BertConfig
    let sites: [[LinearSite]]          // per layer: query, key, value, attention.output.dense, intermediate.dense, output.dense
    let wordEmb: Int, posEmb: Int, typeEmb: Int, embLNw: Int, embLNb: Int
    let ln1w: [Int], ln1b: [Int], ln2w: [Int], ln2b: [Int]
    let poolerW: Int, poolerB: Int, headW: Int, headB: Int
    /// Whether any tensor below layer 0 is trainable (otherwise layer 0 skips its input gradient).
    let embeddingsTrainable: Bool
    /// The adapter's hooks at attention and at each layer's output (UniPELT; nil for others and full fine-tuning).
    /// Linear sites hold the adapter's site hooks (LoRA, IA3).
    let layerAdapter: (any LayerAdapter)?

    public init(layout: ParameterLayout) {
        self.layout = layout
        config = layout.spec.config
        var slot = 0
        var sites: [[LinearSite]] = []
        for l in 0..<config.numLayers {
            let p = "encoder.layer.\(l)."
            var row: [LinearSite] = []
            for (m, i, o) in config.linearModules {
                row.append(LinearSite(layout: layout, module: p + m, inF: i, outF: o, slot: slot)); slot += 1
            }
            sites.append(row)
        }
        self.sites = sites
        wordEmb = layout.id("embeddings.word_embeddings.weight")!; posEmb = layout.id("embeddings.position_embeddings.weight")!
        typeEmb = layout.id("embeddings.token_type_embeddings.weight")!
        embLNw = layout.id("embeddings.LayerNorm.weight")!; embLNb = layout.id("embeddings.LayerNorm.bias")!
        ln1w = (0..<config.numLayers).map { layout.id("encoder.layer.\($0).attention.output.LayerNorm.weight")! }
        ln1b = (0..<config.numLayers).map { layout.id("encoder.layer.\($0).attention.output.LayerNorm.bias")! }
        ln2w = (0..<config.numLayers).map { layout.id("encoder.layer.\($0).output.LayerNorm.weight")! }
        ln2b = (0..<config.numLayers).map { layout.id("encoder.layer.\($0).output.LayerNorm.bias")! }
        poolerW = layout.id("pooler.dense.weight")!; poolerB = layout.id("pooler.dense.bias")!
        headW = layout.id("classifier.weight")!; headB = layout.id("classifier.bias")!
        layerAdapter = layout.adapter?.layerAdapter(layout: layout)
        embeddingsTrainable = [wordEmb, posEmb, typeEmb, embLNw, embLNb].contains { layout.tensors[$0].trainable }
    }

    /// A workspace for batches up to `batch`'s size (and any shape with no more rows and attention cells).
    public func makeWorkspace(for batch: Batch) -> Workspace { Workspace(model: self, batch: batch) }

    /// A workspace for up to `batchSize` sequences of up to `length` tokens.
    public func makeWorkspace(batchSize: Int, length: Int, forTraining: Bool = true) -> Workspace {
        Workspace(model: self, batch: Batch(ids: [Int32](repeating: 0, count: batchSize * length), typeIDs: [Int32](repeating: 0, count: batchSize * length),
                                            mask: [Float](repeating: 1, count: batchSize * length), labels: [], size: batchSize, length: length),
                  forTraining: forTraining)
    }

    /// Options of one forward pass.
    public struct ForwardOptions {
        /// Dropout stream; nil = eval mode (no dropout anywhere).
        public var dropout: RandomStream?
        /// Added to the pooled vector before the head's dropout (Input noise strategy). (B, H)
        public var pooledNoise: UnsafePointer<Float>?
        /// Replaces the classifier weight in this pass (Mixout). (C, H)
        public var headWeight: UnsafePointer<Float>?
        /// Stop after pooling (for `deni forward`).
        public var encoderOnly = false
        /// Overrides the spec's dropout before the head for this pass (Mixout trains with 0).
        public var headDropout: Float?
        /// The caller marked the trainable weights changed before this pass and nothing has written them since
        /// (`Inference`, whose threads run passes of the same weights at once and must not remake the copies that
        /// the others are multiplying from). Default: the pass marks them itself.
        public var weightsMarked = false
        public init(dropout: RandomStream? = nil) { self.dropout = dropout }
    }

    // MARK: forward

    /// Runs the model; returns the mean cross-entropy when `batch.labels` is non-empty (else 0).
    /// Logits are left in `ws.logits` (B, C).
    @discardableResult
    public func forward(_ m: ModelWeights, _ batch: Batch, _ ws: Workspace, _ options: inout ForwardOptions) -> Float {
        FloatingPointMode.enter()
        // The one hook for prepared (bf16) weight copies: the trainable weights may have changed since the last pass,
        // and do not change until this pass's backward has run.
        if !options.weightsMarked { m.params.markChanged() }
        ws.reshape(for: batch)
        let rl = ws.rows
        let B = ws.B, T = ws.T, H = ws.H, R = rl.R, NH = ws.NH, FF = ws.FF
        let training = options.dropout != nil
        ws.training = training
        let pHidden = config.hiddenDropout, pAtt = config.attentionDropout

        // Embeddings: sum → LayerNorm → dropout.   (R, H): sequence b's token t in row start[b] + t
        let we = m.pointer(wordEmb), pe = m.pointer(posEmb), te = m.pointer(typeEmb)
        let es = ws.embSum.pointer
        for b in 0..<B {
            for t in 0..<rl.rows[b] {
                let row = rl.start[b] + t
                let id = Int(batch.ids[b * T + t]), tt = Int(batch.typeIDs[b * T + t])
                let o = es + row &* H, w = we + id &* H, p = pe + t &* H, ty = te + tt &* H
                for i in 0..<H { o[i] = w[i] + p[i] + ty[i] }
            }
        }
        layerNormForward(ws.embLN.pointer, ws.embMean.pointer, ws.embRstd.pointer, es, m.pointer(embLNw), m.pointer(embLNb),
                         rows: R, n: H, eps: config.layerNormEps)
        applyDropout(ws.x0.pointer, ws.embLN.pointer, ws.embMask.pointer, rows: rl, width: H, p: pHidden, &options.dropout,
                     keepMask: ws.forTraining)
        // Key bias per sequence: P prefix keys (always attended), then its rows (padded ones masked).   (P + rows)
        let P = ws.P
        for b in 0..<B {
            let kb = ws.keyBias.pointer + rl.biasStart[b]
            for p in 0..<P { kb[p] = 0 }
            for t in 0..<rl.rows[b] { kb[P + t] = t < rl.lengths[b] ? 0 : -1e30 }
        }
        let la = layerAdapter, las = ws.layerScratch
        if let la { la.beginForward(m, las!) }

        var x = UnsafePointer(ws.x0.pointer)
        for l in 0..<config.numLayers {
            let L = ws.layers[l], s = sites[l]
            let sc = { (i: Int) in ws.siteScratch[s[i].slot] }
            // Self-attention projections (R, H)
            s[0].forward(m, L.q.pointer, x, rows: rl, scratch: sc(0), dropout: &options.dropout)
            s[1].forward(m, L.k.pointer, x, rows: rl, scratch: sc(1), dropout: &options.dropout)
            s[2].forward(m, L.v.pointer, x, rows: rl, scratch: sc(2), dropout: &options.dropout)
            var keys = UnsafePointer(L.k.pointer), values = UnsafePointer(L.v.pointer)
            if let la {   // padded layout: R = B·T
                (keys, values) = la.attentionInputs(m, las!, layer: l, x: x, q: L.q.pointer, k: L.k.pointer, v: L.v.pointer, B: B, T: T,
                                                    dropout: &options.dropout)
            }
            if training && pAtt > 0 {
                rl.dropoutAttention(L.attMask.pointer, heads: NH, p: pAtt, stream: &options.dropout!)
            }
            attentionForward(L, ws, keys: keys, values: values, dropout: training && pAtt > 0)
            // Attention output: dense → dropout → + x → LayerNorm
            s[3].forward(m, L.ao.pointer, L.ctx.pointer, rows: rl, scratch: sc(3), dropout: &options.dropout)
            dropoutResidual(L.res1.pointer, L.ao.pointer, x, L.aoMask.pointer, rows: rl, width: H, p: pHidden, &options.dropout,
                            keepMask: ws.forTraining)
            layerNormForward(L.h1.pointer, L.ln1Mean.pointer, L.ln1Rstd.pointer, L.res1.pointer, m.pointer(ln1w[l]), m.pointer(ln1b[l]),
                             rows: R, n: H, eps: config.layerNormEps)
            // Feed-forward: dense → GELU → dense → dropout → + h1 → LayerNorm
            s[4].forward(m, L.ff1.pointer, L.h1.pointer, rows: rl, scratch: sc(4), dropout: &options.dropout)
            geluForward(L.ffg.pointer, L.ff1.pointer, count: R * FF, derivative: ws.forTraining ? L.geluGrad.pointer : nil)
            s[5].forward(m, L.fo.pointer, L.ffg.pointer, rows: rl, scratch: sc(5), dropout: &options.dropout)
            dropoutResidual(L.res2.pointer, L.fo.pointer, L.h1.pointer, L.foMask.pointer, rows: rl, width: H, p: pHidden, &options.dropout,
                            keepMask: ws.forTraining)
            if let la {
                la.outputForward(m, las!, layer: l, out: L.out.pointer, res2: L.res2.pointer, lnW: ln2w[l], lnB: ln2b[l],
                                 mean2: L.ln2Mean.pointer, rstd2: L.ln2Rstd.pointer, eps: config.layerNormEps, B: B, T: T)
            } else {
                layerNormForward(L.out.pointer, L.ln2Mean.pointer, L.ln2Rstd.pointer, L.res2.pointer, m.pointer(ln2w[l]), m.pointer(ln2b[l]),
                                 rows: R, n: H, eps: config.layerNormEps)
            }
            x = UnsafePointer(L.out.pointer)
        }

        // Pooling (B, H)
        let pin = ws.poolIn.pointer
        switch layout.spec.pooling {
        case .pooler, .cls:
            for b in 0..<B { (pin + b * H).update(from: x + rl.start[b] * H, count: H) }
        case .mean:
            for b in 0..<B {
                let o = pin + b * H
                o.update(repeating: 0, count: H)
                var n: Float = 0
                for t in 0..<rl.rows[b] where batch.mask[b * T + t] > 0 {
                    n += 1
                    let xr = x + (rl.start[b] + t) * H
                    for i in 0..<H { o[i] += xr[i] }
                }
                let inv = 1 / max(n, 1e-9)
                for i in 0..<H { o[i] *= inv }
            }
        }
        if layout.spec.pooling == .pooler {
            GEMM.sgemm(.none, .transpose, m: B, n: H, k: H, a: pin, lda: H, b: m.pointer(poolerW), ldb: H, bWeight: m.operand(poolerW), c: ws.pooled.pointer, ldc: H)
            addBias(ws.pooled.pointer, m.pointer(poolerB), rows: B, n: H)
            for i in 0..<(B * H) { ws.pooled[i] = tanhf(ws.pooled[i]) }
        } else {
            ws.pooled.pointer.update(from: pin, count: B * H)
        }
        if options.encoderOnly { return 0 }

        // Head: (pooled + noise) → dropout → linear (B, C)
        let hin = ws.headIn.pointer
        hin.update(from: ws.pooled.pointer, count: B * H)
        if let noise = options.pooledNoise { for i in 0..<(B * H) { hin[i] += noise[i] } }
        let pHead = options.headDropout ?? layout.spec.headDropout
        ws.usedHeadMask = training && pHead > 0
        if ws.usedHeadMask {
            dropoutMask(ws.headMask.pointer, count: B * H, p: pHead, stream: &options.dropout!)
            multiply(hin, hin, ws.headMask.pointer, count: B * H)
        }
        let C = ws.C
        let hw = options.headWeight ?? UnsafePointer(m.pointer(headW))
        GEMM.sgemm(.none, .transpose, m: B, n: C, k: H, a: hin, lda: H, b: hw, ldb: H, c: ws.logits.pointer, ldc: C)
        addBias(ws.logits.pointer, m.pointer(headB), rows: B, n: C)
        return crossEntropy(ws, labels: batch.labels)
    }

    /// out = x ⊙ dropout mask (drawing the mask) in training; out = x in eval. x, out, mask: (R, width)
    private func applyDropout(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ mask: UnsafeMutablePointer<Float>,
                              rows: RowLayout, width: Int, p: Float, _ stream: inout RandomStream?, keepMask: Bool) {
        let count = rows.R * width
        if stream != nil && p > 0 {
            rows.dropoutRows(mask, width: width, p: p, stream: &stream!)
            multiply(out, x, mask, count: count)
        } else {
            if out != UnsafeMutablePointer(mutating: x) { out.update(from: x, count: count) }
            if keepMask { mask.update(repeating: 1, count: count) }
        }
    }

    /// out = dropout(x) + residual. In training the mask is drawn and kept for backward; without dropout (eval)
    /// it is one pass, and the all-ones mask is written only for a workspace that may run backward.
    private func dropoutResidual(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ residual: UnsafePointer<Float>,
                                 _ mask: UnsafeMutablePointer<Float>, rows: RowLayout, width: Int, p: Float, _ stream: inout RandomStream?,
                                 keepMask: Bool) {
        let count = rows.R * width
        if stream != nil && p > 0 {
            rows.dropoutRows(mask, width: width, p: p, stream: &stream!)
            multiplyAdd(out, x, mask, residual, count: count)
        } else {
            multiplyAdd(out, x, nil, residual, count: count)
            if keepMask { mask.update(repeating: 1, count: count) }
        }
    }

    /// Softmax probabilities into `ws.probsOut`; returns the mean cross-entropy over labelled rows.
    private func crossEntropy(_ ws: Workspace, labels: [Int]) -> Float {
        let B = ws.B, C = ws.C
        var loss = 0.0
        for b in 0..<B {
            let z = ws.logits.pointer + b * C, p = ws.probsOut.pointer + b * C
            var mx = -Float.infinity
            for c in 0..<C { mx = max(mx, z[c]) }
            var s: Float = 0
            for c in 0..<C { p[c] = expf(z[c] - mx); s += p[c] }
            // Probabilities under 1e-30 are 0: the loss gradient (p − y)/B must not become subnormal.
            for c in 0..<C { p[c] /= s; if p[c] < 1e-30 { p[c] = 0 } }
            if b < labels.count { loss -= Double(z[labels[b]] - mx - logf(s)) }
        }
        return labels.isEmpty ? 0 : Float(loss / Double(labels.count))
    }

    /// Softmax probabilities of the last forward. (B, C)
    public func probabilities(_ ws: Workspace) -> [Float] { ws.probsOut.array }

    /// Per-(sequence, head) attention over the sequence's own rows: S = Q Kᵀ/√d + keyBias; P = softmax(S);
    /// ctx = drop(P) V. Q, ctx: (R, H); keys, values: the sequence's `P + rows` key rows — its rows of k and v
    /// (R, H), or with a layer adapter's prefix (P > 0) the extended (B, P + T, H) with the prefix first (padded
    /// layout). P, drop(P): the sequence's block (NH, rows, P + rows).
    private func attentionForward(_ L: Workspace.Layer, _ ws: Workspace, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>,
                                  dropout: Bool) {
        let rl = ws.rows, H = ws.H, NH = ws.NH, hd = config.headSize, P = ws.P
        let scale = 1 / Float(hd).squareRoot()
        let q = L.q.pointer, ctx = L.ctx.pointer
        let probs = L.probs.pointer, pd = L.probsDrop.pointer, am = L.attMask.pointer, kb = ws.keyBias.pointer
        parallelFor(rl.B * NH, minimumPerChunk: 1) { range in
            for bh in range {
                let b = bh / NH, h = bh % NH, r = rl.rows[b], Tk = P + r
                let keyRow = rl.start[b] + b * P   // first key row: this sequence's rows, after b earlier prefixes
                let qb = q + rl.start[b] * H + h * hd, kbh = k + keyRow * H + h * hd, vb = v + keyRow * H + h * hd
                let cell = rl.attStart[b] + h * r * Tk
                let S = probs + cell
                GEMM.sgemm(.none, .transpose, m: r, n: Tk, k: hd, alpha: scale, a: qb, lda: H, b: kbh, ldb: H, c: S, ldc: Tk)
                for i in 0..<r { softmaxRow(S + i * Tk, bias: kb + rl.biasStart[b], n: Tk) }
                var Pm = UnsafePointer(S)
                if dropout {
                    multiply(pd + cell, S, am + cell, count: r * Tk)
                    Pm = UnsafePointer(pd + cell)
                }
                GEMM.sgemm(.none, .none, m: r, n: hd, k: Tk, a: Pm, lda: Tk, b: vb, ldb: H, c: ctx + rl.start[b] * H + h * hd, ldc: H)
            }
        }
    }

    // MARK: backward

    /// Backward of the last `forward` (same batch and workspace). Gradients accumulate into `g`
    /// (call `g.zero()` first). `headOnly` stops at the head: the encoder and pooler get no gradient.
    /// `headWeight` must be the weight the forward used (Mixout).
    public func backward(_ m: ModelWeights, _ g: Gradients, _ batch: Batch, _ ws: Workspace,
                         headOnly: Bool = false, headWeight: UnsafePointer<Float>? = nil) {
        precondition(ws.forTraining, "backward needs a training workspace")
        FloatingPointMode.enter()
        let rl = ws.rows
        let B = ws.B, T = ws.T, H = ws.H, R = rl.R, C = ws.C, FF = ws.FF
        // dlogits = (softmax − onehot) / B   (B, C)
        let dlogits = ws.tmp.pointer
        let nLabels = Float(batch.labels.count)
        for b in 0..<B {
            for c in 0..<C {
                let y: Float = b < batch.labels.count && batch.labels[b] == c ? 1 : 0
                dlogits[b * C + c] = b < batch.labels.count ? (ws.probsOut[b * C + c] - y) / nLabels : 0
            }
        }
        // Head: logits = headIn Wᵀ + b
        if let gb = g.pointer(headB) { biasBackward(gb, dlogits, rows: B, n: C) }
        if let gw = g.pointer(headW) {
            GEMM.sgemm(.transpose, .none, m: C, n: H, k: B, a: dlogits, lda: C, b: ws.headIn.pointer, ldb: H, beta: 1, c: gw, ldc: H)
        }
        g.headOnly = headOnly
        if headOnly { return }
        // dheadIn = dlogits W (B, H); dropout backward; pooled noise passes the gradient through.
        let dpooled = ws.dA.pointer
        let hw = headWeight ?? UnsafePointer(m.pointer(headW))
        GEMM.sgemm(.none, .none, m: B, n: H, k: C, a: dlogits, lda: C, b: hw, ldb: H, c: dpooled, ldc: H)
        if ws.usedHeadMask { multiply(dpooled, dpooled, ws.headMask.pointer, count: B * H) }
        // Pooling backward into dX (R, H), the gradient of the last layer's output.
        let dX = ws.dB.pointer
        dX.update(repeating: 0, count: R * H)
        switch layout.spec.pooling {
        case .pooler:
            // pooled = tanh(cls Wpᵀ + bp): dpre = dpooled (1 − pooled²)
            for i in 0..<(B * H) { dpooled[i] *= 1 - ws.pooled[i] * ws.pooled[i] }
            if let gb = g.pointer(poolerB) { biasBackward(gb, dpooled, rows: B, n: H) }
            if let gw = g.pointer(poolerW) {
                GEMM.sgemm(.transpose, .none, m: H, n: H, k: B, a: dpooled, lda: H, b: ws.poolIn.pointer, ldb: H, beta: 1, c: gw, ldc: H)
            }
            let dcls = ws.dQ.pointer
            GEMM.sgemm(.none, .none, m: B, n: H, k: H, a: dpooled, lda: H, b: m.pointer(poolerW), ldb: H, bWeight: m.operand(poolerW), c: dcls, ldc: H)
            for b in 0..<B { (dX + rl.start[b] * H).update(from: dcls + b * H, count: H) }
        case .cls:
            for b in 0..<B { (dX + rl.start[b] * H).update(from: dpooled + b * H, count: H) }
        case .mean:
            for b in 0..<B {
                var n: Float = 0
                for t in 0..<rl.rows[b] where batch.mask[b * T + t] > 0 { n += 1 }
                let inv = 1 / max(n, 1e-9)
                for t in 0..<rl.rows[b] where batch.mask[b * T + t] > 0 {
                    let o = dX + (rl.start[b] + t) * H, d = dpooled + b * H
                    for i in 0..<H { o[i] = d[i] * inv }
                }
            }
        }

        // Encoder layers in reverse. dX holds the gradient of layer l's output.
        let dRes = ws.dA.pointer, dTmp = ws.tmp.pointer
        let la = layerAdapter, las = ws.layerScratch
        if let la { la.beginBackward(las!) }
        for l in stride(from: config.numLayers - 1, through: 0, by: -1) {
            let L = ws.layers[l], s = sites[l]
            let sc = { (i: Int) in ws.siteScratch[s[i].slot] }
            let xin = l == 0 ? UnsafePointer(ws.x0.pointer) : UnsafePointer(ws.layers[l - 1].out.pointer)
            // out = LN2(res2): dres2
            if let la {
                la.outputBackward(m, g, las!, layer: l, dres2: dRes, dout: dX, res2: L.res2.pointer, lnW: ln2w[l], lnB: ln2b[l],
                                  mean2: L.ln2Mean.pointer, rstd2: L.ln2Rstd.pointer, B: B, T: T)
            } else {
                layerNormBackward(dRes, g.pointer(ln2w[l]), g.pointer(ln2b[l]), dX, L.res2.pointer, m.pointer(ln2w[l]),
                                  L.ln2Mean.pointer, L.ln2Rstd.pointer, rows: R, n: H)
            }
            // res2 = drop(fo) + h1: dh1 = dres2 (kept in dX); dfo = dres2 ⊙ mask (in dRes)
            dX.update(from: dRes, count: R * H)
            multiply(dRes, dRes, L.foMask.pointer, count: R * H)
            // fo = site5(ffg): dffg (R, FF)
            s[5].backward(m, g, dy: dRes, x: L.ffg.pointer, dx: ws.dFF.pointer, accumulate: false, rows: R, scratch: sc(5), tmp: dTmp)
            // ffg = GELU(ff1)
            geluBackward(ws.dFF2.pointer, ws.dFF.pointer, derivative: L.geluGrad.pointer, count: R * FF)
            // ff1 = site4(h1): dh1 += dff1 W
            s[4].backward(m, g, dy: ws.dFF2.pointer, x: L.h1.pointer, dx: dX, accumulate: true, rows: R, scratch: sc(4), tmp: dTmp)
            // h1 = LN1(res1)
            layerNormBackward(dRes, g.pointer(ln1w[l]), g.pointer(ln1b[l]), dX, L.res1.pointer, m.pointer(ln1w[l]),
                              L.ln1Mean.pointer, L.ln1Rstd.pointer, rows: R, n: H)
            // res1 = drop(ao) + xin: dxin = dres1 (into dX); dao = dres1 ⊙ mask
            dX.update(from: dRes, count: R * H)
            multiply(dRes, dRes, L.aoMask.pointer, count: R * H)
            // ao = site3(ctx): dctx (R, H), kept in dFF2 (free again at this point)
            let dctx = ws.dFF2.pointer
            s[3].backward(m, g, dy: dRes, x: L.ctx.pointer, dx: dctx, accumulate: false, rows: R, scratch: sc(3), tmp: dTmp)
            let needInput = l > 0 || embeddingsTrainable
            if let la {   // padded layout: R = B·T
                let a = la.attentionBuffers(las!, layer: l)
                attentionBackward(L, ws, dctx: dctx, keys: a.keys, values: a.values, dK: a.dK, dV: a.dV)
                la.attentionInputsBackward(m, g, las!, layer: l, x: xin, dq: ws.dQ.pointer, dk: ws.dK.pointer, dv: ws.dV.pointer,
                                           dx: needInput ? dX : nil, B: B, T: T)
            } else {
                attentionBackward(L, ws, dctx: dctx, keys: L.k.pointer, values: L.v.pointer, dK: ws.dK.pointer, dV: ws.dV.pointer)
            }
            // q, k, v = site(xin): dxin += dq Wq + dk Wk + dv Wv
            s[0].backward(m, g, dy: ws.dQ.pointer, x: xin, dx: needInput ? dX : nil, accumulate: true, rows: R, scratch: sc(0), tmp: dTmp)
            s[1].backward(m, g, dy: ws.dK.pointer, x: xin, dx: needInput ? dX : nil, accumulate: true, rows: R, scratch: sc(1), tmp: dTmp)
            s[2].backward(m, g, dy: ws.dV.pointer, x: xin, dx: needInput ? dX : nil, accumulate: true, rows: R, scratch: sc(2), tmp: dTmp)
        }
        if let la { la.endBackward(m, g, las!) }
        guard embeddingsTrainable else { return }
        // x0 = drop(LN(embSum))
        multiply(dX, dX, ws.embMask.pointer, count: R * H)
        layerNormBackward(dRes, g.pointer(embLNw), g.pointer(embLNb), dX, ws.embSum.pointer, m.pointer(embLNw),
                          ws.embMean.pointer, ws.embRstd.pointer, rows: R, n: H)
        let gw = g.pointer(wordEmb), gp = g.pointer(posEmb), gt = g.pointer(typeEmb)
        for b in 0..<B {
            for t in 0..<rl.rows[b] {
                let d = dRes + (rl.start[b] + t) * H
                if let gw {
                    let id = batch.ids[b * T + t]
                    g.markRow(id)
                    let o = gw + Int(id) * H
                    for i in 0..<H { o[i] += d[i] }
                }
                if let gp { let o = gp + t * H; for i in 0..<H { o[i] += d[i] } }
                if let gt { let o = gt + Int(batch.typeIDs[b * T + t]) * H; for i in 0..<H { o[i] += d[i] } }
            }
        }
    }

    /// Backward of attention, per (sequence, head) block as `attentionForward` laid it out. Reads dctx (R, H)
    /// and the forward's keys and values; writes dQ (R, H) and dK, dV (the key rows' layout); dAtt (the
    /// attention cells) is scratch.
    private func attentionBackward(_ L: Workspace.Layer, _ ws: Workspace, dctx: UnsafeMutablePointer<Float>,
                                   keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>,
                                   dK: UnsafeMutablePointer<Float>, dV: UnsafeMutablePointer<Float>) {
        let rl = ws.rows, H = ws.H, NH = ws.NH, hd = config.headSize, P = ws.P
        let scale = 1 / Float(hd).squareRoot()
        let q = L.q.pointer
        let probs = L.probs.pointer, am = L.attMask.pointer
        let dQ = ws.dQ.pointer
        let dropout = ws.training && config.attentionDropout > 0
        let pd = L.probsDrop.pointer
        let dP = ws.dAtt.pointer
        parallelFor(rl.B * NH, minimumPerChunk: 1) { range in
            for bh in range {
                let b = bh / NH, h = bh % NH, r = rl.rows[b], Tk = P + r
                let off = rl.start[b] * H + h * hd, koff = (rl.start[b] + b * P) * H + h * hd
                let cell = rl.attStart[b] + h * r * Tk
                let Pm = probs + cell
                let PD = dropout ? UnsafePointer(pd + cell) : UnsafePointer(Pm)
                let dp = dP + cell
                // ctx = PD V: dPD = dctx Vᵀ (r, Tk); dV = PDᵀ dctx (Tk, hd)
                GEMM.sgemm(.none, .transpose, m: r, n: Tk, k: hd, a: dctx + off, lda: H, b: v + koff, ldb: H, c: dp, ldc: Tk)
                GEMM.sgemm(.transpose, .none, m: Tk, n: hd, k: r, a: PD, lda: Tk, b: dctx + off, ldb: H, c: dV + koff, ldc: H)
                if dropout { multiply(dp, dp, am + cell, count: r * Tk) }
                // softmax backward: dS = P ⊙ (dP − Σ_j dP P), then the 1/√d scale
                for i in 0..<r { softmaxBackwardRow(dp + i * Tk, Pm + i * Tk, n: Tk, scale: scale) }
                // S = Q Kᵀ: dQ = dS K; dK = dSᵀ Q
                GEMM.sgemm(.none, .none, m: r, n: hd, k: Tk, a: dp, lda: Tk, b: k + koff, ldb: H, c: dQ + off, ldc: H)
                GEMM.sgemm(.transpose, .none, m: Tk, n: hd, k: r, a: dp, lda: Tk, b: q + off, ldb: H, c: dK + koff, ldc: H)
            }
        }
    }
}

extension BertModel {
    /// The encoder's outputs for one sequence in eval mode: last-layer [CLS] state, pooler output
    /// (dense + tanh over [CLS]) and the masked mean of the last layer. Each (H).
    public func inspect(_ m: ModelWeights, ids: [Int32], typeIDs: [Int32]) -> (cls: [Float], pooled: [Float], mean: [Float]) {
        let batch = Batch(sequences: [(ids, typeIDs)], labels: [])
        let ws = makeWorkspace(batchSize: 1, length: batch.length, forTraining: false)
        var o = ForwardOptions()
        o.encoderOnly = true
        forward(m, batch, ws, &o)
        let H = config.hiddenSize, T = batch.length
        let last = ws.layers[config.numLayers - 1].out
        let cls = Array(UnsafeBufferPointer(start: last.pointer, count: H))
        var mean = [Float](repeating: 0, count: H)
        for t in 0..<T { for i in 0..<H { mean[i] += last[t * H + i] } }
        for i in 0..<H { mean[i] /= Float(T) }
        // The pooler output, whatever pooling the spec uses for classification.
        var pooled = [Float](repeating: 0, count: H)
        let w = m.pointer(poolerW), b = m.pointer(poolerB)
        for j in 0..<H {
            var s = b[j]
            for i in 0..<H { s += w[j * H + i] * cls[i] }
            pooled[j] = tanhf(s)
        }
        return (cls, pooled, mean)
    }
}
