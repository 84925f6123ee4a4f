import DeniCore

/// Where each tensor of a model lives.
///
/// Trainable tensors are packed into one flat buffer per model copy (gradients and optimiser moments mirror
/// it), so cloning, averaging and perturbing a whole model are flat loops. Frozen tensors live in one
/// buffer shared by every copy. If the word embeddings are trainable they come first in the trainable
/// buffer, so the optimiser can treat them as rows (it skips rows that never had a gradient).
public struct TensorSpec: Hashable, Sendable {
    public enum Role: String, Hashable, Sendable { case embedding, weight, bias, norm, adapter, head }
    public let name: String
    public let shape: [Int]
    public let trainable: Bool
    /// Offset in the trainable or frozen buffer.
    public let offset: Int
    public let role: Role
    /// How a new tensor (head or adapter) is drawn from the init stream; nil for pre-trained tensors.
    public let initialiser: TensorInit?
    public var count: Int { shape.reduce(1, *) }
    /// The new classifier's weight and bias ("head" in the noise scopes).
    public var isHead: Bool { role == .head }
}

/// How a new tensor is drawn from the init stream (in layout order, one stream for all).
public enum TensorInit: Hashable, Sendable {
    case zeros, ones
    case normal(std: Float)
    /// U(±1/√fanIn): kaiming_uniform(a = √5) of a weight with `fanIn` inputs, nn.Linear's bias init.
    case uniform(fanIn: Int)

    func fill(_ p: UnsafeMutableBufferPointer<Float>, _ r: inout RandomStream) {
        switch self {
        case .zeros: p.update(repeating: 0)
        case .ones: p.update(repeating: 1)
        case .normal(let std): r.fillNormal(p, std: std)
        case .uniform(let fanIn):
            let bound = 1 / Float(fanIn).squareRoot()
            r.fillUniform(p, low: -bound, high: bound)
        }
    }
}

public struct ParameterLayout: Sendable {
    public let spec: ModelSpec
    /// The spec's adapter (nil for full fine-tuning), which added its tensors here.
    let adapter: (any Adapter)?
    public private(set) var tensors: [TensorSpec] = []
    public private(set) var index: [String: Int] = [:]
    public private(set) var trainableCount = 0
    public private(set) var frozenCount = 0

    public init(_ spec: ModelSpec) throws {
        try spec.validate()
        self.spec = spec
        let adapter = AdapterSpec.adapter(of: spec)
        self.adapter = adapter
        let c = spec.config, a = spec.adapter, H = c.hiddenSize
        let full = adapter == nil
        let biasTrainable = full || adapter!.trainsBaseBiases
        add("embeddings.word_embeddings.weight", [c.vocabSize, H], full, .embedding)
        add("embeddings.position_embeddings.weight", [c.maxPositions, H], full, .embedding)
        add("embeddings.token_type_embeddings.weight", [c.typeVocabSize, H], full, .embedding)
        add("embeddings.LayerNorm.weight", [H], full, .norm)
        add("embeddings.LayerNorm.bias", [H], biasTrainable, .norm)
        for l in 0..<c.numLayers {
            let p = "encoder.layer.\(l)."
            for (module, inF, outF) in c.linearModules {
                add(p + module + ".weight", [outF, inF], full, .weight)
                add(p + module + ".bias", [outF], biasTrainable, .bias)
                for t in adapter?.siteTensors(module: p + module, inF: inF, outF: outF) ?? [] { add(t) }
            }
            add(p + "attention.output.LayerNorm.weight", [H], full, .norm)
            add(p + "attention.output.LayerNorm.bias", [H], biasTrainable, .norm)
            add(p + "output.LayerNorm.weight", [H], full, .norm)
            add(p + "output.LayerNorm.bias", [H], biasTrainable, .norm)
            for t in adapter?.layerTensors(layer: l) ?? [] { add(t) }
        }
        add("pooler.dense.weight", [H, H], a.isPoolerTrainable, .weight)
        add("pooler.dense.bias", [H], a.isPoolerTrainable || (biasTrainable && a.poolerTrainable != false), .bias)
        add("classifier.weight", [spec.numLabels, H], true, .head, .normal(std: 0.02))
        add("classifier.bias", [spec.numLabels], true, .head, .zeros)
    }

    private mutating func add(_ t: AdapterTensor) { add(t.name, t.shape, true, .adapter, t.initialiser) }

    private mutating func add(_ name: String, _ shape: [Int], _ trainable: Bool, _ role: TensorSpec.Role, _ initialiser: TensorInit? = nil) {
        let count = shape.reduce(1, *)
        let offset = trainable ? trainableCount : frozenCount
        if trainable { trainableCount += count } else { frozenCount += count }
        index[name] = tensors.count
        tensors.append(TensorSpec(name: name, shape: shape, trainable: trainable, offset: offset, role: role, initialiser: initialiser))
    }

    public func id(_ name: String) -> Int? { index[name] }

    /// Trainable parameter count (what the optimiser updates).
    public var trainableParameters: Int { trainableCount }

    /// Tensors in a noise scope: the head only, every trainable tensor, or all trainable (frozen tensors
    /// are shared between copies and never perturbed, so "all" equals "trainable" here).
    public func tensors(inScopeHeadOnly headOnly: Bool) -> [TensorSpec] {
        tensors.filter { $0.trainable && (!headOnly || $0.isHead) }
    }
}

extension BertConfig {
    /// Each layer's linear modules: name under "encoder.layer.N.", in and out features, in the checkpoint's order.
    var linearModules: [(name: String, inF: Int, outF: Int)] {
        let H = hiddenSize
        return [("attention.self.query", H, H), ("attention.self.key", H, H), ("attention.self.value", H, H),
                ("attention.output.dense", H, H), ("intermediate.dense", H, intermediateSize), ("output.dense", intermediateSize, H)]
    }
}
