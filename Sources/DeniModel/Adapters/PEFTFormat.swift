import DeniCore
import Foundation

/// Hugging Face `peft` adapter folders (the layout peft 0.21 writes with `save_pretrained` for
/// `task_type="SEQ_CLS"` on a `BertForSequenceClassification`): `adapter_config.json` plus
/// `adapter_model.safetensors`, so `PeftModel.from_pretrained(BertForSequenceClassification.from_pretrained(base,
/// num_labels=C), folder)` rebuilds the model this engine trained.
///
/// Saved names (observed from peft 0.21.2, see PEFTFormatTests): `base_model.model.` + the classifier's module
/// path (`bert.` for the encoder, none for `classifier`), no adapter name (`default`) in the key. The classifier is
/// a module to save, stored as `base_model.model.classifier.weight` / `.bias`. Each adapter that peft knows
/// (`PEFTAdapter`: LoRAPEFT.swift, IA3PEFT.swift) names its own tensors, the base tensors it saves and its keys
/// of adapter_config.json; this file holds what every folder shares.
///
/// The engine's own settings that peft has no field for (tuning settings, pooling, class names, max length) go into
/// the safetensors metadata (`SavedClassifier`'s `deni.*` keys); peft ignores it. `BertForSequenceClassification`
/// classifies the pooler output, so only a model trained with pooling = pooler gives the same logits in peft.
public enum PEFTFormat {
    public static let configFile = "adapter_config.json"
    public static let weightsFile = "adapter_model.safetensors"
    /// Prefix of every saved key (peft's `PeftModel.base_model.model`).
    static let prefix = "base_model.model."
    /// The classifier's module names peft's SEQ_CLS task marks as modules to save.
    static let modulesToSave = ["classifier", "score"]

    /// Where a saved tensor's values come from.
    enum Source: Equatable {
        /// A tensor of the layout (same values in row-major order; only the shape may differ, for IA3).
        case tensor(Int)
        /// A duplicate peft writes but does not read back (`classifier.modules_to_save.bias`): the layout tensor's values.
        case duplicate(Int)
        /// The untrained head's bias peft writes (`classifier.original_module.bias`): zeros on export, ignored on import.
        case zeros
    }

    struct Entry {
        let name: String
        let shape: [Int]
        let source: Source
    }

    /// The layout's adapter as peft knows it; refuses full fine-tuning and adapters peft has no format for.
    static func adapter(_ layout: ParameterLayout) throws -> any PEFTAdapter {
        guard let adapter = layout.adapter else {
            throw ModelError("PEFT export", "full fine-tuning has no adapter to export (save the whole model with --save instead)")
        }
        guard let peft = adapter as? any PEFTAdapter else {
            throw ModelError("PEFT export", "\(layout.spec.adapter.kind.displayName) has no peft format (save the whole model with --save instead)")
        }
        return peft
    }

    /// Every tensor a peft folder for `layout` holds, in layout order, then the adapter's extra entries. Refuses
    /// layouts peft cannot express: full fine-tuning, an adapter peft does not have, or a trainable tensor that has
    /// no place in the folder (a trainable pooler weight).
    static func entries(_ layout: ParameterLayout) throws -> [Entry] {
        let peft = try adapter(layout)
        var out: [Entry] = []
        var headBias: Int?
        for (id, t) in layout.tensors.enumerated() {
            guard let saved = t.isHead ? (t.name, t.shape) : peft.peftTensor(t) else {
                if t.trainable {
                    throw ModelError("PEFT export", "trainable tensor '\(t.name)' has no place in a peft \(layout.spec.adapter.kind.rawValue) folder (a trainable pooler weight is not a peft setting; train with the pooler frozen)")
                }
                continue
            }
            out.append(Entry(name: prefix + saved.name, shape: saved.shape, source: .tensor(id)))
            if t.name == "classifier.bias" { headBias = id }
        }
        if let hb = headBias { out += peft.peftExtraEntries(headBias: hb, shape: layout.tensors[hb].shape) }
        return out
    }

    /// The `adapter_config.json` object peft reads for this layout (whose adapter peft knows).
    static func config(_ layout: ParameterLayout, baseModelPath: String) throws -> [String: Any] {
        let peft = try adapter(layout)
        var c: [String: Any] = ["base_model_name_or_path": baseModelPath, "task_type": "SEQ_CLS", "inference_mode": true,
                                "modules_to_save": modulesToSave, "fan_in_fan_out": false, "revision": NSNull(),
                                "peft_type": type(of: peft).peftType]
        c.merge(peft.peftConfig()) { _, own in own }
        return c
    }

    /// The list of module names under `key` of an adapter_config.json.
    static func strings(_ c: [String: Any], _ key: String, file: String) throws -> [String] {
        guard let v = c[key] as? [String] else {
            throw ModelError(file, "\(key) is \(c[key].map { "\($0)" } ?? "missing"); expected a list of module names")
        }
        return v
    }

    /// The folder name part of a model path ("sentence-transformers/all-MiniLM-L6-v2/" → "all-MiniLM-L6-v2").
    static func modelName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

extension ModelWeights {
    /// Writes these weights' adapter and classifier as a peft folder `dir` (created if needed), recording
    /// `baseModelPath` as the base model and, in the metadata, the classifier (`SavedClassifier`: tuning, pooling,
    /// `classNames` in label order, the `maxLength` of its texts). Returns warnings: a pooling other than `pooler` does not give the same
    /// logits in `BertForSequenceClassification`. Throws for full fine-tuning or a trainable pooler weight.
    @discardableResult
    public func exportPEFT(to dir: URL, baseModelPath: String, classNames: [String], maxLength: Int) throws -> [String] {
        let entries = try PEFTFormat.entries(layout)
        var writer = SafeTensorsWriter()
        for e in entries {
            switch e.source {
            case .tensor(let id), .duplicate(let id):
                writer.add(e.name, shape: e.shape, Array(UnsafeBufferPointer(start: pointer(id), count: layout.tensors[id].count)))
            case .zeros:
                writer.add(e.name, shape: e.shape, [Float](repeating: 0, count: e.shape.reduce(1, *)))
            }
        }
        let spec = layout.spec
        writer.metadata = SavedClassifier.metadata(spec, classNames: classNames, maxLength: maxLength)
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw ModelError(dir.path, "cannot create the adapter folder (\(FileProblem.describe(error)))")
        }
        let json = try JSONSerialization.data(withJSONObject: try PEFTFormat.config(layout, baseModelPath: baseModelPath),
                                              options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        try writer.write(to: dir.appendingPathComponent(PEFTFormat.weightsFile))
        try json.write(to: dir.appendingPathComponent(PEFTFormat.configFile), options: .atomic)
        if spec.pooling != .pooler {
            return ["\(dir.path): pooling is '\(spec.pooling.rawValue)', but BertForSequenceClassification classifies the pooler output: peft will load the adapter but its logits will differ (train with --pooling pooler for an exact export)"]
        }
        return []
    }

    /// Throws the error `exportPEFT` would throw for this layout (full fine-tuning, a trainable pooler weight),
    /// so a run can refuse before training.
    public func checkPEFTExport() throws { _ = try PEFTFormat.entries(layout) }

    /// Loads a peft folder written by `exportPEFT` (or by peft itself for the same setting) into these weights.
    /// Everything is checked before any value is written: the adapter type and settings match the layout
    /// (LoRA rank, alpha, rsLoRA, targets, bias; IA3's modules), the base model named in adapter_config.json is
    /// `expectedBaseModel` (compared by folder name; skipped when nil), every tensor is present with its shape and
    /// finite values, and no tensor is left over. Errors name the file and the problem. Saved tensors that are
    /// frozen in this layout (LoRA `lora_only` biases, a frozen pooler bias under `bias="all"`) are written into
    /// the frozen buffer, which copies share: import into the base model before cloning it.
    public func importPEFT(from dir: URL, expectedBaseModel: String? = nil) throws {
        let configURL = dir.appendingPathComponent(PEFTFormat.configFile)
        let weightsURL = dir.appendingPathComponent(PEFTFormat.weightsFile)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw ModelError(dir.path, "not a folder (expected a peft adapter folder with \(PEFTFormat.configFile) and \(PEFTFormat.weightsFile))")
        }
        let raw: Data
        do { raw = try FileProblem.contents(of: configURL) } catch {
            throw ModelError(configURL.path, FileManager.default.fileExists(atPath: configURL.path)
                ? "cannot be read (\(FileProblem.describe(error)))" : "file not found (is \(dir.path) a peft adapter folder?)")
        }
        guard let config = (try? JSONSerialization.jsonObject(with: raw)) as? [String: Any] else {
            throw ModelError(configURL.path, "not a JSON object")
        }
        try checkPEFTConfig(config, file: configURL.path, expectedBaseModel: expectedBaseModel)
        if !FileManager.default.fileExists(atPath: weightsURL.path),
           FileManager.default.fileExists(atPath: dir.appendingPathComponent("adapter_model.bin").path) {
            throw ModelError(dir.path, "holds adapter_model.bin (pickle); only \(PEFTFormat.weightsFile) is read (save with safe_serialization=True)")
        }
        let file = try SafeTensorsFile(url: weightsURL)
        if let pooling = file.metadata["deni.pooling"], pooling != layout.spec.pooling.rawValue {
            throw ModelError(weightsURL.path, "the adapter was trained with pooling '\(pooling)' (metadata deni.pooling), but this run uses '\(layout.spec.pooling.rawValue)': its classifier reads another vector (run with --pooling \(pooling))")
        }
        let entries = try PEFTFormat.entries(layout)
        var pending: [(Int, [Float])] = []
        for e in entries {
            guard let info = file.tensors[e.name] else {
                if case .tensor = e.source {
                    throw ModelError(weightsURL.path, "missing tensor '\(e.name)' (\(file.tensors.count) tensors in the file; an adapter for other target modules or another model?)")
                }
                continue   // duplicates peft writes are optional
            }
            guard info.shape == e.shape else {
                throw ModelError(weightsURL.path, "tensor '\(e.name)' has shape \(info.shape), expected \(e.shape)" +
                                 (e.name.hasSuffix("classifier.weight") ? " (\(layout.spec.numLabels) classes here)" : ""))
            }
            guard [.f32, .f16, .bf16, .f64].contains(info.dtype) else {
                throw ModelError(weightsURL.path, "tensor '\(e.name)' has dtype \(info.dtype.rawValue), expected a float type")
            }
            guard case .tensor(let id) = e.source else { continue }
            pending.append((id, try file.finiteFloats(e.name)))
        }
        let known = Set(entries.map(\.name))
        if let extra = file.tensors.keys.sorted().first(where: { !known.contains($0) }) {
            throw ModelError(weightsURL.path, "tensor '\(extra)' has no place in this model (\(layout.spec.adapter.kind.rawValue), targets \(try PEFTFormat.adapter(layout).peftTargets), \(layout.spec.config.numLayers) layers): an adapter for other modules or another model?")
        }
        for (id, values) in pending {
            values.withUnsafeBufferPointer { pointer(id).update(from: $0.baseAddress!, count: values.count) }
        }
    }

    private func checkPEFTConfig(_ c: [String: Any], file: String, expectedBaseModel: String?) throws {
        let kind = layout.spec.adapter.kind
        let peft = layout.adapter as? any PEFTAdapter
        func fail(_ problem: String) -> ModelError { ModelError(file, problem) }
        let type = c["peft_type"] as? String ?? "(none)"
        let wanted = peft.map { Swift.type(of: $0).peftType } ?? "none (\(kind.displayName))"
        guard type == wanted, let peft else {
            throw fail("peft_type is \(type), but this run uses \(kind.rawValue) (peft_type \(wanted))")
        }
        if let task = c["task_type"] as? String, task != "SEQ_CLS" {
            throw fail("task_type is \(task); only SEQ_CLS adapters (with a classifier) can be loaded")
        }
        if let base = c["base_model_name_or_path"] as? String, let ours = expectedBaseModel,
           PEFTFormat.modelName(base) != PEFTFormat.modelName(ours) {
            throw fail("the adapter was trained on base model '\(base)', but this run uses '\(ours)'")
        }
        if c["fan_in_fan_out"] as? Bool == true { throw fail("fan_in_fan_out is true (only BERT's nn.Linear layout is supported)") }
        try peft.checkPEFTConfig(c, file: file)
    }
}

extension ModelWeights {
    /// Writes, for a development check against peft (scripts/reference/check_peft_export.py), the eval-mode
    /// logits of `model` with these weights on `sequences` (unpadded token and type ids), as JSON
    /// `{"pooling", "examples": [{"ids", "type_ids", "logits"}]}`.
    public func writeCheckLogits(model: BertModel, sequences: [(ids: [Int32], typeIDs: [Int32])], to url: URL) throws {
        guard !sequences.isEmpty else { throw ModelError(url.path, "no examples to compute check logits on") }
        let batch = Batch(sequences: sequences, labels: [])
        let ws = model.makeWorkspace(batchSize: batch.size, length: batch.length, forTraining: false)
        var options = BertModel.ForwardOptions()
        model.forward(self, batch, ws, &options)
        let C = layout.spec.numLabels
        let logits = ws.logits.array
        let examples: [[String: Any]] = sequences.enumerated().map { b, s in
            ["ids": s.ids.map(Int.init), "type_ids": s.typeIDs.map(Int.init), "logits": (0..<C).map { Double(logits[b * C + $0]) }]
        }
        let json = try JSONSerialization.data(withJSONObject: ["pooling": layout.spec.pooling.rawValue, "examples": examples],
                                              options: [.sortedKeys])
        try json.write(to: url, options: .atomic)
    }
}

/// An adapter peft has too: how its folder names and shapes the adapter's tensors, which base tensors it also
/// saves, and its keys of adapter_config.json.
protocol PEFTAdapter: Adapter {
    /// adapter_config.json's `peft_type`.
    static var peftType: String { get }
    /// The target modules, as errors name them.
    var peftTargets: [String] { get }
    /// The name (after `base_model.model.`) and shape under which the folder holds encoder tensor `t`; nil when
    /// it does not hold it. The default: the adapter's own tensors under `bert.` + their name, nothing else.
    func peftTensor(_ t: TensorSpec) -> (name: String, shape: [Int])?
    /// Entries peft writes beyond the layout's tensors (after them); `headBias` is the classifier bias's id.
    func peftExtraEntries(headBias: Int, shape: [Int]) -> [PEFTFormat.Entry]
    /// The adapter's own keys of adapter_config.json.
    func peftConfig() -> [String: Any]
    /// Refuses an adapter_config.json whose settings differ from this adapter's (errors name `file`).
    func checkPEFTConfig(_ c: [String: Any], file: String) throws
}

extension PEFTAdapter {
    func peftTensor(_ t: TensorSpec) -> (name: String, shape: [Int])? { t.role == .adapter ? ("bert." + t.name, t.shape) : nil }
    func peftExtraEntries(headBias: Int, shape: [Int]) -> [PEFTFormat.Entry] { [] }
}
