import Foundation

extension ModelWeights {
    /// The Hugging Face name of a tensor in a `BertForSequenceClassification` checkpoint.
    static func checkpointName(_ t: TensorSpec) -> String { t.isHead ? t.name : "bert." + t.name }

    /// Saves every tensor (base, adapters, head) as safetensors with HF names (`bert.` prefix, `classifier.*`),
    /// so `BertForSequenceClassification.from_pretrained` loads the base and head; the metadata records the
    /// classifier (`SavedClassifier`: tuning, pooling, `classNames` in label order, the `maxLength` of its texts).
    public func save(to url: URL, classNames: [String], maxLength: Int) throws {
        var w = SafeTensorsWriter()
        for (id, t) in layout.tensors.enumerated() {
            w.add(Self.checkpointName(t), shape: t.shape, Array(UnsafeBufferPointer(start: pointer(id), count: t.count)))
        }
        w.metadata = SavedClassifier.metadata(layout.spec, classNames: classNames, maxLength: maxLength)
        try w.write(to: url)
    }

    /// Loads a checkpoint written by `save` (or any file with the same names) into these weights;
    /// every tensor of the layout must be present with its shape and finite values, and no other tensor. Everything
    /// is checked before any value is written.
    public func load(checkpoint url: URL) throws {
        let file = try SafeTensorsFile(url: url)
        var pending: [(Int, [Float])] = []
        for (id, t) in layout.tensors.enumerated() {
            let name = Self.checkpointName(t)
            guard let info = file.tensors[name] ?? file.tensors[t.name] else {
                throw ModelError(url.path, "missing tensor '\(name)' (a file for another model or tuning?)")
            }
            guard info.shape == t.shape else {
                throw ModelError(url.path, "tensor '\(name)' has shape \(info.shape), expected \(t.shape) (a file for another model?)")
            }
            pending.append((id, try file.finiteFloats(info.name)))
        }
        // A tensor the layout has no place for means the file was written for another tuning or adapter (or its
        // recorded settings were changed): refused rather than silently left out.
        let expected = Set(layout.tensors.flatMap { [Self.checkpointName($0), $0.name] })
        if let extra = file.tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw ModelError(url.path, "holds tensor '\(extra)', which the recorded model (\(layout.spec.adapter.kind.rawValue) tuning) has no place for: a file for another tuning or adapter, or its deni.tuning metadata was changed")
        }
        for (id, values) in pending {
            values.withUnsafeBufferPointer { pointer(id).update(from: $0.baseAddress!, count: values.count) }
            markChanged(id)
        }
    }
}
