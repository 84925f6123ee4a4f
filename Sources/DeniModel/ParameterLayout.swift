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
    public var count: Int { shape.reduce(1, *) }
    /// The new classifier's weight and bias ("head" in the noise scopes).
    public var isHead: Bool { role == .head }
}

public struct ParameterLayout: Sendable {
    public let spec: ModelSpec
    public private(set) var tensors: [TensorSpec] = []
    public private(set) var index: [String: Int] = [:]
    public private(set) var trainableCount = 0
    public private(set) var frozenCount = 0

    public init(_ spec: ModelSpec) throws {
        try spec.validate()
        self.spec = spec
        let c = spec.config, a = spec.adapter, H = c.hiddenSize
        let full = a.kind == .full
        // peft bias="all" marks every parameter whose name contains "bias" trainable.
        let biasTrainable = full || (a.kind == .lora && a.loraBias == .all)
        add("embeddings.word_embeddings.weight", [c.vocabSize, H], full, .embedding)
        add("embeddings.position_embeddings.weight", [c.maxPositions, H], full, .embedding)
        add("embeddings.token_type_embeddings.weight", [c.typeVocabSize, H], full, .embedding)
        add("embeddings.LayerNorm.weight", [H], full, .norm)
        add("embeddings.LayerNorm.bias", [H], biasTrainable, .norm)
        for l in 0..<c.numLayers {
            let p = "encoder.layer.\(l)."
            for (module, inF, outF) in [("attention.self.query", H, H), ("attention.self.key", H, H), ("attention.self.value", H, H),
                                        ("attention.output.dense", H, H), ("intermediate.dense", H, c.intermediateSize),
                                        ("output.dense", c.intermediateSize, H)] {
                add(p + module + ".weight", [outF, inF], full, .weight)
                add(p + module + ".bias", [outF], biasTrainable, .bias)
                if a.kind == .lora, Self.matches(module, a.loraTargets) {
                    add(p + module + ".lora_A.weight", [a.loraRank, inF], true, .adapter)
                    add(p + module + ".lora_B.weight", [outF, a.loraRank], true, .adapter)
                }
                if a.kind == .ia3, let onInput = Self.ia3Site(module) {
                    add(p + module + ".ia3_l", [onInput ? inF : outF], true, .adapter)
                }
            }
            add(p + "attention.output.LayerNorm.weight", [H], full, .norm)
            add(p + "attention.output.LayerNorm.bias", [H], biasTrainable, .norm)
            add(p + "output.LayerNorm.weight", [H], full, .norm)
            add(p + "output.LayerNorm.bias", [H], biasTrainable, .norm)
            if a.kind == .unipelt {
                if l == 0 { for (n, shape) in UniPELT.sharedTensors(a, c) { add(n, shape, true, .adapter) } }
                for (n, shape) in UniPELT.layerTensors(l, a, hidden: H) { add(n, shape, true, .adapter) }
            }
        }
        add("pooler.dense.weight", [H, H], a.isPoolerTrainable, .weight)
        add("pooler.dense.bias", [H], a.isPoolerTrainable || (biasTrainable && a.poolerTrainable != false), .bias)
        add("classifier.weight", [spec.numLabels, H], true, .head)
        add("classifier.bias", [spec.numLabels], true, .head)
    }

    /// peft's target matching: the module's full name equals the target or ends with "." + target.
    static func matches(_ module: String, _ targets: [String]) -> Bool {
        targets.contains { module == $0 || module.hasSuffix("." + $0) }
    }

    /// IA3 as peft configures it for BERT: targets key, value and output.dense (which also matches
    /// attention.output.dense); the output.dense modules are feed-forward modules and scale their input.
    /// Returns nil when the module is not an IA3 target, else whether the vector scales the input.
    static func ia3Site(_ module: String) -> Bool? {
        if module.hasSuffix("key") || module.hasSuffix("value") { return false }
        if module.hasSuffix("output.dense") { return true }
        return nil
    }

    private mutating func add(_ name: String, _ shape: [Int], _ trainable: Bool, _ role: TensorSpec.Role) {
        let count = shape.reduce(1, *)
        let offset = trainable ? trainableCount : frozenCount
        if trainable { trainableCount += count } else { frozenCount += count }
        index[name] = tensors.count
        tensors.append(TensorSpec(name: name, shape: shape, trainable: trainable, offset: offset, role: role))
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
