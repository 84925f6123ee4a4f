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

    public func tensor(_ name: String) -> [Float]? {
        guard let id = layout.id(name) else { return nil }
        return Array(UnsafeBufferPointer(start: pointer(id), count: layout.tensors[id].count))
    }

    public func set(_ name: String, _ values: [Float]) {
        guard let id = layout.id(name) else { preconditionFailure("no tensor \(name)") }
        precondition(values.count == layout.tensors[id].count, "size mismatch for \(name)")
        values.withUnsafeBufferPointer { pointer(id).update(from: $0.baseAddress!, count: values.count) }
    }

    /// Loads a pre-trained BERT folder (config.json + model.safetensors) and initialises the new tensors
    /// (classifier head: N(0, 0.02²) weight, zero bias; each adapter's as its tensors declare) from
    /// the init stream. Accepts tensor names with or without the `bert.` prefix.
    public static func load(folder: URL, spec: ModelSpec, initStream: RandomStream) throws -> ModelWeights {
        let layout = try ParameterLayout(spec)
        let file = try SafeTensorsFile(url: folder.appendingPathComponent("model.safetensors"))
        let w = ModelWeights(layout: layout, frozen: FloatBuffer(count: layout.frozenCount), params: FloatBuffer(count: layout.trainableCount))
        try w.loadBase(from: file)
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

    func loadBase(from file: SafeTensorsFile) throws {
        let hasPrefix = file.tensors.keys.contains { $0.hasPrefix("bert.") }
        for (id, t) in layout.tensors.enumerated() where t.initialiser == nil {
            let name = (hasPrefix ? "bert." : "") + t.name
            guard let info = file.tensors[name] else {
                throw ModelError(file.path, "missing tensor '\(name)' (is this a BERT checkpoint for this config.json?)")
            }
            guard info.shape == t.shape else {
                throw ModelError(file.path, "tensor '\(name)' has shape \(info.shape) but config.json implies \(t.shape)")
            }
            guard [.f32, .f16, .bf16, .f64].contains(info.dtype) else {
                throw ModelError(file.path, "tensor '\(name)' has dtype \(info.dtype.rawValue), expected a float type")
            }
            let values = try file.floats(name)
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw ModelError(file.path, "tensor '\(name)' holds a non-finite value at element \(bad)")
            }
            values.withUnsafeBufferPointer { pointer(id).update(from: $0.baseAddress!, count: t.count) }
        }
    }

    /// Draws every new tensor (head and adapter) as its layout entry says, in layout order from one stream.
    func initialiseNewTensors(_ stream: RandomStream) {
        var r = stream
        for (id, t) in layout.tensors.enumerated() {
            guard let initialiser = t.initialiser else { continue }
            initialiser.fill(UnsafeMutableBufferPointer(start: pointer(id), count: t.count), &r)
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
