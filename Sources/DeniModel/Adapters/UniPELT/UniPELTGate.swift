import DeniCore
#if canImport(Glibc)
import Glibc
#endif

extension UniPELT.Layers {
    /// sig[r] = sigmoid(w·x_r + b); g[b] = mean over the T rows of example b. x: (B·T, H)
    func gateForward(_ m: ModelWeights, w: Int, b: Int, _ x: UnsafePointer<Float>, sig: UnsafeMutablePointer<Float>,
                     g: UnsafeMutablePointer<Float>, B: Int, T: Int) {
        let wp = m.pointer(w), bias = m.pointer(b)[0]
        for e in 0..<B {
            var s: Float = 0
            for t in 0..<T {
                let r = e * T + t, xr = x + r &* H
                var d = bias
                for i in 0..<H { d += wp[i] * xr[i] }
                sig[r] = 1 / (1 + expf(-d)); s += sig[r]
            }
            g[e] = s / Float(T)
        }
    }

    /// Backward of `gateForward` given dg (B): dw, db accumulate; dx (B·T, H) accumulates when non-nil.
    func gateBackward(_ m: ModelWeights, _ gr: Gradients, w: Int, b: Int, _ x: UnsafePointer<Float>, sig: UnsafePointer<Float>,
                      dg: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, B: Int, T: Int) {
        let wp = m.pointer(w), gw = gr.pointer(w), gb = gr.pointer(b)
        for e in 0..<B {
            for t in 0..<T {
                let r = e * T + t, xr = x + r &* H
                let d = dg[e] / Float(T) * sig[r] * (1 - sig[r])
                if let gw { for i in 0..<H { gw[i] += d * xr[i] } }
                gb?[0] += d
                if let dx { let o = dx + r &* H; for i in 0..<H { o[i] += d * wp[i] } }
            }
        }
    }
}
