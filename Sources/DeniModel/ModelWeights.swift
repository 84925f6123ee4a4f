import DeniCore
import Foundation

/// The weights of one model copy: its own flat trainable buffer plus the frozen buffer shared by all copies.
public final class ModelWeights: @unchecked Sendable {
    public let layout: ParameterLayout
    public let frozen: FloatBuffer
    public let params: FloatBuffer
    /// When set (weights imported from an adapter folder), `freshCopy` keeps the head and adapters instead
    /// of drawing them afresh.
    public var keepsNewTensors = false

    public init(layout: ParameterLayout, frozen: FloatBuffer, params: FloatBuffer) {
        precondition(frozen.count == layout.frozenCount && params.count == layout.trainableCount)
        self.layout = layout; self.frozen = frozen; self.params = params
    }

    /// A copy with its own trainable parameters and the same frozen buffer.
    public func clone() -> ModelWeights { ModelWeights(layout: layout, frozen: frozen, params: params.clone()) }

    @inline(__always) public func pointer(_ id: Int) -> UnsafeMutablePointer<Float> {
        let t = layout.tensors[id]
        return (t.trainable ? params.pointer : frozen.pointer) + t.offset
    }

    /// Tensor `id` as a GEMM weight operand: a bf16 backend multiplies its prepared copy, made again only when the
    /// tensor's buffer is marked changed. The trainable buffer is marked at the start of every forward pass
    /// (`BertModel.forward`; `Inference` marks once for the passes its threads run at once), since anything may have
    /// moved the weights between passes (an optimiser step, DENI's noise or interpolation, weight noise, SWA/EMA,
    /// mixout, a member loaded); the frozen buffer only by the writes below (`set`, checkpoint and pre-trained loads).
    @inline(__always) public func operand(_ id: Int) -> WeightOperand {
        let t = layout.tensors[id]
        return (t.trainable ? params : frozen).weight(offset: t.offset, count: t.count)
    }

    /// Marks the buffer holding tensor `id` changed (its prepared copies are stale).
    func markChanged(_ id: Int) { (layout.tensors[id].trainable ? params : frozen).markChanged() }

    public func tensor(_ name: String) -> [Float]? {
        guard let id = layout.id(name) else { return nil }
        return Array(UnsafeBufferPointer(start: pointer(id), count: layout.tensors[id].count))
    }

    public func set(_ name: String, _ values: [Float]) {
        guard let id = layout.id(name) else { preconditionFailure("no tensor \(name)") }
        precondition(values.count == layout.tensors[id].count, "size mismatch for \(name)")
        values.withUnsafeBufferPointer { pointer(id).update(from: $0.baseAddress!, count: values.count) }
        markChanged(id)
    }

    /// Loads a pre-trained BERT folder (config.json + model.safetensors) and initialises the new tensors
    /// (classifier head: N(0, 0.02²) weight, zero bias; each adapter's as its tensors declare) from
    /// the init stream. Accepts tensor names with or without the `bert.` prefix. The config is compared with the
    /// weights' header (layer count, then every pre-trained tensor's name, shape and dtype) before any weight
    /// memory is allocated: sizes that disagree with the file are refused, not allocated.
    public static func load(folder: URL, spec: ModelSpec, initStream: RandomStream) throws -> ModelWeights {
        let file = try SafeTensorsFile(url: folder.appendingPathComponent("model.safetensors"))
        try checkLayerCount(spec.config, file)
        let layout = try ParameterLayout(spec)
        let base = try baseTensors(layout, in: file)
        let w = ModelWeights(layout: layout, frozen: FloatBuffer(count: layout.frozenCount), params: FloatBuffer(count: layout.trainableCount))
        try w.loadBase(base, from: file)
        w.initialiseNewTensors(initStream)
        return w
    }

    /// A randomly initialised model (for unit tests with tiny configs).
    public static func random(spec: ModelSpec, stream: RandomStream) throws -> ModelWeights {
        let layout = try ParameterLayout(spec)
        let w = ModelWeights(layout: layout, frozen: FloatBuffer(count: layout.frozenCount), params: FloatBuffer(count: layout.trainableCount))
        var r = stream.substream(99)
        for (id, t) in layout.tensors.enumerated() where t.initialiser == nil {
            let p = UnsafeMutableBufferPointer(start: w.pointer(id), count: t.count)
            if t.role == .norm && t.name.hasSuffix("weight") { for i in 0..<p.count { p[i] = 1 + 0.1 * r.nextNormal() } }
            else { r.fillNormal(p, std: t.role == .bias || t.role == .norm ? 0.02 : 0.05) }
        }
        w.initialiseNewTensors(stream)
        return w
    }

    /// The layers `config.json` names must be the layers the file holds (`encoder.layer.N.` for N in 0..<layers):
    /// checked before the layout is built, so an absurd layer count costs nothing.
    static func checkLayerCount(_ config: BertConfig, _ file: SafeTensorsFile) throws {
        var layers = Set<Int>()
        for name in file.tensors.keys {
            let parts = name.split(separator: ".", maxSplits: 4, omittingEmptySubsequences: false)
            let at = parts.first == "bert" ? 1 : 0
            if parts.count > at + 2, parts[at] == "encoder", parts[at + 1] == "layer", let l = Int(parts[at + 2]) { layers.insert(l) }
        }
        // n distinct indices, all in 0..<n: exactly the layers 0 … n-1.
        guard layers.count == config.numLayers, layers.allSatisfy({ (0..<config.numLayers).contains($0) }) else {
            let held = layers.isEmpty ? "no encoder layers" : layers.count == (layers.max() ?? 0) + 1
                ? "\(layers.count) layers (encoder.layer.0 … \(layers.count - 1))" : "layers \(layers.sorted().prefix(8).map(String.init).joined(separator: ", "))\(layers.count > 8 ? ", …" : "")"
            throw ModelError(file.path, "holds \(held), but config.json's num_hidden_layers is \(config.numLayers) (it must match the weights)")
        }
    }

    /// Every pre-trained tensor of `layout` in `file` (with or without the `bert.` prefix): present, with the shape
    /// config.json implies and a float dtype. Reads the header only.
    static func baseTensors(_ layout: ParameterLayout, in file: SafeTensorsFile) throws -> [(id: Int, info: SafeTensorInfo)] {
        let hasPrefix = file.tensors.keys.contains { $0.hasPrefix("bert.") }
        var out: [(id: Int, info: SafeTensorInfo)] = []
        for (id, t) in layout.tensors.enumerated() where t.initialiser == nil {
            let name = (hasPrefix ? "bert." : "") + t.name
            guard let info = file.tensors[name] else {
                throw ModelError(file.path, "missing tensor '\(name)' (is this a BERT checkpoint for this config.json?)")
            }
            guard info.shape == t.shape else {
                throw ModelError(file.path, "tensor '\(name)' has shape \(info.shape) but config.json implies \(t.shape) (check its vocab_size, hidden_size, intermediate_size, max_position_embeddings and type_vocab_size)")
            }
            guard [.f32, .f16, .bf16, .f64].contains(info.dtype) else {
                throw ModelError(file.path, "tensor '\(name)' has dtype \(info.dtype.rawValue), expected a float type (F32, F16, BF16, F64)")
            }
            out.append((id, info))
        }
        return out
    }

    /// Copies the checked pre-trained tensors in; a non-finite value is refused naming the tensor.
    func loadBase(_ base: [(id: Int, info: SafeTensorInfo)], from file: SafeTensorsFile) throws {
        for (id, info) in base {
            let values = try file.finiteFloats(info.name)
            values.withUnsafeBufferPointer { pointer(id).update(from: $0.baseAddress!, count: values.count) }
            markChanged(id)
        }
    }

    /// Draws every new tensor (head and adapter) as its layout entry says, in layout order from one stream.
    func initialiseNewTensors(_ stream: RandomStream) {
        var r = stream
        for (id, t) in layout.tensors.enumerated() {
            guard let initialiser = t.initialiser else { continue }
            initialiser.fill(UnsafeMutableBufferPointer(start: pointer(id), count: t.count), &r)
            markChanged(id)
        }
    }
}

extension ModelWeights {
    /// A copy of these (pre-trained) weights with the new tensors — head and adapters — drawn afresh
    /// from `initStream`. The frozen buffer is shared.
    public func freshCopy(initStream: RandomStream) -> ModelWeights {
        let w = clone()
        if !keepsNewTensors { w.initialiseNewTensors(initStream) }
        return w
    }
}
