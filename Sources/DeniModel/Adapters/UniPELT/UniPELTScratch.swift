import DeniCore

extension UniPELT.Layers {
    /// A gated LoRA branch's saved activations.
    final class LoraScratch {
        let mask: FloatBuffer, u: FloatBuffer, z: FloatBuffer   // (BT, H), (BT, H), (BT, r)
        let sig: FloatBuffer, g: FloatBuffer                    // (BT), (B)
        init(BT: Int, B: Int, H: Int, r: Int) {
            mask = FloatBuffer(count: BT * H); u = FloatBuffer(count: BT * H); z = FloatBuffer(count: BT * r)
            sig = FloatBuffer(count: BT); g = FloatBuffer(count: B)
        }
    }

    /// One layer's saved activations.
    final class LayerScratch {
        let q: LoraScratch, v: LoraScratch
        let pSig: FloatBuffer, pG: FloatBuffer              // prefix gate (BT), (B)
        let kExt: FloatBuffer, vExt: FloatBuffer            // (B, P + T, H)
        let z: FloatBuffer, down: FloatBuffer, up: FloatBuffer, aSig: FloatBuffer, aG: FloatBuffer   // (BT,H), (BT,n), (BT,H), (BT), (B)
        let res3: FloatBuffer, ln3Mean: FloatBuffer, ln3Rstd: FloatBuffer                              // (BT,H), (BT), (BT)
        init(BT: Int, B: Int, Tk: Int, H: Int, r: Int, n: Int) {
            q = LoraScratch(BT: BT, B: B, H: H, r: r); v = LoraScratch(BT: BT, B: B, H: H, r: r)
            pSig = FloatBuffer(count: BT); pG = FloatBuffer(count: B)
            kExt = FloatBuffer(count: B * Tk * H); vExt = FloatBuffer(count: B * Tk * H)
            z = FloatBuffer(count: BT * H); down = FloatBuffer(count: BT * n); up = FloatBuffer(count: BT * H)
            aSig = FloatBuffer(count: BT); aG = FloatBuffer(count: B)
            res3 = FloatBuffer(count: BT * H); ln3Mean = FloatBuffer(count: BT); ln3Rstd = FloatBuffer(count: BT)
        }
    }

    /// Everything UniPELT keeps in a workspace. Evaluation workspaces share one layer scratch between layers.
    final class Scratch {
        let layers: [LayerScratch]
        let t: FloatBuffer, M: FloatBuffer                  // prefix MLP hidden (P, mlp) after tanh; prefix (P, KV)
        let small: FloatBuffer                              // (BT, max(r, n)) forward/backward scratch
        // Backward only (empty in evaluation workspaces)
        let e: FloatBuffer, d1: FloatBuffer, d2: FloatBuffer          // (BT, max(r, n)), (BT, H), (BT, H)
        let dKext: FloatBuffer, dVext: FloatBuffer                    // (B, P + T, H)
        let dM: FloatBuffer, dt: FloatBuffer                          // (P, KV), (P, mlp)
        init(_ u: UniPELT, B: Int, T: Int, forTraining: Bool) {
            let BT = B * T, Tk = T + u.P, H = u.H, w = max(u.rank, u.bottleneck)
            if forTraining {
                layers = (0..<u.numLayers).map { _ in LayerScratch(BT: BT, B: B, Tk: Tk, H: H, r: u.rank, n: u.bottleneck) }
            } else {
                layers = Array(repeating: LayerScratch(BT: BT, B: B, Tk: Tk, H: H, r: u.rank, n: u.bottleneck), count: u.numLayers)
            }
            t = FloatBuffer(count: u.P * u.mlp); M = FloatBuffer(count: u.P * u.KV); small = FloatBuffer(count: BT * w)
            let g = forTraining ? 1 : 0
            e = FloatBuffer(count: g * BT * w); d1 = FloatBuffer(count: g * BT * H); d2 = FloatBuffer(count: g * BT * H)
            dKext = FloatBuffer(count: g * B * Tk * H); dVext = FloatBuffer(count: g * B * Tk * H)
            dM = FloatBuffer(count: g * u.P * u.KV); dt = FloatBuffer(count: g * u.P * u.mlp)
        }
    }
}
