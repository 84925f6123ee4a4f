import Foundation

extension ModelWeights {
    /// The Hugging Face name of a tensor in a `BertForSequenceClassification` checkpoint.
    static func checkpointName(_ t: TensorSpec) -> String { t.isHead ? t.name : "bert." + t.name }

    /// Saves every tensor (base, adapters, head) as safetensors with HF names (`bert.` prefix, `classifier.*`),
    /// so `BertForSequenceClassification.from_pretrained` loads the base and head; metadata records the spec.
    public func save(to url: URL) throws {
        var w = SafeTensorsWriter()
        for (id, t) in layout.tensors.enumerated() {
            w.add(Self.checkpointName(t), shape: t.shape, Array(UnsafeBufferPointer(start: pointer(id), count: t.count)))
        }
        w.metadata = ["format": "pt", "adapter": layout.spec.adapter.kind.rawValue, "pooling": layout.spec.pooling.rawValue,
                      "num_labels": "\(layout.spec.numLabels)"]
        try w.write(to: url)
    }

    /// Loads a checkpoint written by `save` (or any file with the same names) into these weights;
    /// every tensor of the layout must be present with its shape.
    public func load(checkpoint url: URL) throws {
        let file = try SafeTensorsFile(url: url)
        for (id, t) in layout.tensors.enumerated() {
            let name = Self.checkpointName(t)
            guard let info = file.tensors[name] ?? file.tensors[t.name] else { throw ModelError(url.path, "missing tensor '\(name)'") }
            guard info.shape.reduce(1, *) == t.count else {
                throw ModelError(url.path, "tensor '\(name)' has shape \(info.shape), expected \(t.shape)")
            }
            let values = try file.floats(info.name)
            values.withUnsafeBufferPointer { pointer(id).update(from: $0.baseAddress!, count: t.count) }
        }
    }
}
