import DeniCore

/// Where each sequence of a batch lives in a workspace's token rows.
///
/// **Packed** (full fine-tuning, LoRA, IA3): only real tokens get rows — sequence b owns rows
/// `start[b] ..< start[b] + lengths[b]` — so projections, feed-forward layers, LayerNorms and dropout never touch
/// padding, and attention is computed per sequence over its own tokens (no masked keys at all). On TREC's
/// training batches a third of the padded positions disappear, on SST-2's more than half. Masked keys got
/// exactly zero weight already, so every real token sees the same computation as in a padded batch.
///
/// **Padded** (UniPELT, or a mask that is not a prefix of ones): every sequence owns `T` rows. UniPELT needs
/// it: the `adapters` library's gates average over all T positions, padding included.
///
/// Dropout masks are drawn over the padded index space in both layouts (rows of padding consume their draws
/// and are discarded), so a run draws the same masks for its real tokens whichever layout runs it.
struct RowLayout {
    /// Batch size and padded length.
    let B: Int, T: Int
    /// Prefix keys per sequence (UniPELT's prefix length; 0 otherwise).
    let P: Int
    let packed: Bool
    /// Real tokens of each sequence, rows it owns (lengths when packed, T otherwise), and its first row.
    let lengths: [Int], rows: [Int], start: [Int]
    /// Total rows (Σ rows).
    let R: Int
    /// First cell of each sequence's attention block, (NH, rows, P + rows), and of its key bias row (P + rows);
    /// attention cells of the whole batch.
    let attStart: [Int], biasStart: [Int], attentionCells: Int

    init(batch: Batch, prefix P: Int, heads NH: Int, allowPacking: Bool) {
        B = batch.size; T = batch.length; self.P = P
        var lengths = [Int](repeating: 0, count: B), prefixForm = true
        for b in 0..<B {
            var n = 0
            for t in 0..<T where batch.mask[b * T + t] > 0 { n += 1 }
            for t in 0..<T where (batch.mask[b * T + t] > 0) != (t < n) { prefixForm = false }
            lengths[b] = n
        }
        packed = allowPacking && prefixForm
        self.lengths = lengths
        rows = packed ? lengths : [Int](repeating: T, count: B)
        var start = [Int](), att = [Int](), bias = [Int](), r = 0, a = 0, k = 0
        for b in 0..<B {
            start.append(r); att.append(a); bias.append(k)
            r += rows[b]; a += NH * rows[b] * (P + rows[b]); k += P + rows[b]
        }
        self.start = start; attStart = att; biasStart = bias; R = r; attentionCells = a
    }

    /// Draws a dropout mask for `width` values per row over the padded index space (B, T, width), writing the
    /// values of the rows this layout keeps. mask: (R, width)
    func dropoutRows(_ mask: UnsafeMutablePointer<Float>, width: Int, p: Float, stream: inout RandomStream) {
        if !packed { dropoutMask(mask, count: B * T * width, p: p, stream: &stream); return }
        var d = MaskDrawer(p: p, stream: stream)
        for b in 0..<B {
            d.draw(rows[b] * width, into: mask + start[b] &* width)
            d.skip((T - rows[b]) * width)
        }
        stream = d.stream
    }

    /// Draws an attention dropout mask over the padded index space (B, NH, T, P + T), writing the cells of this
    /// layout's blocks. mask: the attention cells, laid out as the probabilities are.
    func dropoutAttention(_ mask: UnsafeMutablePointer<Float>, heads NH: Int, p: Float, stream: inout RandomStream) {
        if !packed { dropoutMask(mask, count: B * NH * T * (P + T), p: p, stream: &stream); return }
        var d = MaskDrawer(p: p, stream: stream)
        for b in 0..<B {
            let r = rows[b], keys = P + r
            for h in 0..<NH {
                for t in 0..<T {
                    if t < r {
                        d.draw(keys, into: mask + (attStart[b] &+ (h &* r &+ t) &* keys))
                        d.skip(T - r)
                    } else {
                        d.skip(P + T)
                    }
                }
            }
        }
        stream = d.stream
    }
}

/// Draws dropout scales (0 or 1/(1−p)) in the order `dropoutMask` does — two per 64-bit draw, low half first —
/// while letting a caller skip elements (their draws are made and discarded).
struct MaskDrawer {
    var stream: RandomStream
    let keep: Float, threshold: UInt32
    /// The high half of the last draw, when the next element reads it.
    private var pending: UInt32? = nil

    init(p: Float, stream: RandomStream) {
        self.stream = stream
        keep = 1 / (1 - p)
        threshold = UInt32(min(Double(p) * 4_294_967_296.0, 4_294_967_295.0))
    }

    @inline(__always) private mutating func nextHalf() -> UInt32 {
        if let h = pending { pending = nil; return h }
        let r = stream.next()
        pending = UInt32(truncatingIfNeeded: r >> 32)
        return UInt32(truncatingIfNeeded: r)
    }

    mutating func draw(_ n: Int, into out: UnsafeMutablePointer<Float>) {
        for i in 0..<n { out[i] = nextHalf() < threshold ? 0 : keep }
    }

    mutating func skip(_ n: Int) {
        var n = n
        if n > 0, pending != nil { pending = nil; n -= 1 }
        for _ in 0..<(n / 2) { _ = stream.next() }
        if n % 2 == 1 { _ = nextHalf() }
    }
}
