import Foundation

/// What a saved classifier (a `deni train --save` file or a `--save-peft` folder) records beside its tensors, in
/// the safetensors metadata, so that a prediction rebuilds the run that saved it: the tuning settings and the
/// pooling (they fix the layout and the computation), the class names in label order (labels by name) and the max
/// length its texts were truncated to.
///
/// Keys: `deni.adapter` (the kind), `deni.tuning` (the `AdapterSpec` as JSON), `deni.pooling`, `deni.num_labels`,
/// `deni.classes` (a JSON list), `deni.max_length`. Files written before the class names and max length were
/// recorded read with notes (labels become class numbers, the caller picks a max length); `--save` files of that
/// time used the keys `adapter`, `pooling` and `num_labels`. An adapter without its recorded settings is refused.
public struct SavedClassifier: Equatable, Sendable {
    public var adapter: AdapterSpec
    public var pooling: Pooling
    public var classNames: [String]
    /// Nil for files saved before it was recorded.
    public var maxLength: Int?
    /// What the file did not record and what is assumed instead, one sentence each.
    public var notes: [String] = []

    public init(adapter: AdapterSpec, pooling: Pooling, classNames: [String], maxLength: Int?) {
        self.adapter = adapter; self.pooling = pooling; self.classNames = classNames; self.maxLength = maxLength
    }

    /// The model spec of this classifier on the base model `config` (eval only: no head dropout).
    public func spec(config: BertConfig) -> ModelSpec {
        ModelSpec(config: config, adapter: adapter, numLabels: classNames.count, pooling: pooling, headDropout: 0)
    }

    /// The metadata that records a classifier of layout `spec` trained on `classNames` truncated at `maxLength`.
    static func metadata(_ spec: ModelSpec, classNames: [String], maxLength: Int) -> [String: String] {
        precondition(classNames.count == spec.numLabels, "\(classNames.count) class names for \(spec.numLabels) labels")
        return ["format": "pt", "deni.adapter": spec.adapter.kind.rawValue, "deni.tuning": json(spec.adapter),
                "deni.pooling": spec.pooling.rawValue, "deni.num_labels": "\(spec.numLabels)",
                "deni.classes": json(classNames), "deni.max_length": "\(maxLength)"]
    }

    private static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(value), as: UTF8.self)
    }

    /// Reads the record from the metadata of the safetensors file `file` (errors name it).
    public init(metadata m: [String: String], file: String) throws {
        func value(_ key: String) -> String? { m["deni." + key] ?? m[key] }
        func missing(_ key: String) -> ModelError {
            ModelError(file, "no deni.\(key) in the metadata: not written by deni train --save or --save-peft (the metadata records the tuning, pooling and classes)")
        }
        guard let poolingName = value("pooling") else { throw missing("pooling") }
        guard let pooling = Pooling(rawValue: poolingName) else {
            throw ModelError(file, "deni.pooling is '\(poolingName)'; expected one of \(Pooling.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let adapter: AdapterSpec
        if let tuning = value("tuning") {
            do { adapter = try JSONDecoder().decode(AdapterSpec.self, from: Data(tuning.utf8)) } catch {
                throw ModelError(file, "deni.tuning is not a tuning settings object (\(tuning.prefix(80)))")
            }
        } else if value("adapter") == AdapterSpec.Kind.full.rawValue {
            adapter = AdapterSpec(kind: .full)   // full fine-tuning has no settings that change the layout
        } else if let kind = value("adapter") {
            throw ModelError(file, "records the adapter '\(kind)' but not its settings (deni.tuning, recorded since deni predict exists): save it again with deni train")
        } else {
            throw missing("tuning")
        }
        var notes: [String] = []
        let classNames: [String]
        if let raw = value("classes") {
            guard let names = try? JSONDecoder().decode([String].self, from: Data(raw.utf8)), names.count >= 2 else {
                throw ModelError(file, "deni.classes is not a list of at least 2 class names (\(raw.prefix(80)))")
            }
            classNames = names
            if let n = value("num_labels"), n != "\(names.count)" {
                throw ModelError(file, "deni.num_labels is \(n) but deni.classes names \(names.count) classes")
            }
        } else if let raw = value("num_labels") {
            guard let n = Int(raw), n >= 2 else { throw ModelError(file, "deni.num_labels is '\(raw)'; expected a number of classes ≥ 2") }
            classNames = (0..<n).map(String.init)
            notes.append("\(file): no class names recorded (saved before they were); labels are class numbers 0–\(n - 1)")
        } else {
            throw missing("classes")
        }
        var maxLength: Int?
        if let raw = value("max_length") {
            guard let n = Int(raw), n >= 2 else { throw ModelError(file, "deni.max_length is '\(raw)'; expected a number of tokens ≥ 2") }
            maxLength = n
        }
        self.init(adapter: adapter, pooling: pooling, classNames: classNames, maxLength: maxLength)
        self.notes = notes
    }

    /// The record of a `--save` file.
    public static func read(weights url: URL) throws -> SavedClassifier {
        try SavedClassifier(metadata: SafeTensorsFile(url: url).metadata, file: url.path)
    }

    /// The record of a peft folder (in its adapter_model.safetensors).
    public static func read(peftFolder dir: URL) throws -> SavedClassifier {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw ModelError(dir.path, FileManager.default.fileExists(atPath: dir.path)
                             ? "not a folder (expected a peft adapter folder with \(PEFTFormat.configFile) and \(PEFTFormat.weightsFile))"
                             : "no such folder")
        }
        let url = dir.appendingPathComponent(PEFTFormat.weightsFile)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ModelError(dir.path, "no \(PEFTFormat.weightsFile) (is this a peft adapter folder written by deni train --save-peft?)")
        }
        return try read(weights: url)
    }
}
