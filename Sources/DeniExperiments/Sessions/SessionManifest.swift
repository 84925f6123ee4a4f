import DeniCore
import DeniData
import DeniTraining
import Foundation

/// The state a session declares in its manifest.
public enum SessionStatus: String, Codable, Sendable, CaseIterable {
    /// The writer is (or was, if its process died) still appending events.
    case running
    case finished
    /// Stopped before the planned runs were done (user quit, signal, or a dead writer found by a reader).
    case interrupted
    /// The experiment or the session's own I/O failed; `SessionManifest.failure` says why.
    case failed
}

/// Which model a session trained: the folder and the weights file, by hash when the caller gives one.
public struct ModelIdentity: Codable, Hashable, Sendable {
    public var folder: String
    /// File name of the weights inside `folder` (e.g. `model.safetensors`).
    public var weightsFile: String
    public var weightsBytes: Int
    /// Hex SHA-256 of the weights file; nil when the caller did not compute one (then name + size identify it).
    public var weightsSHA256: String?

    public init(folder: String, weightsFile: String, weightsBytes: Int, weightsSHA256: String?) {
        self.folder = folder; self.weightsFile = weightsFile; self.weightsBytes = weightsBytes; self.weightsSHA256 = weightsSHA256
    }

    /// Identity of `folder/weightsFile` by its size on disk (and `sha256` when given).
    public init(folder: URL, weightsFile: String = "model.safetensors", sha256: String? = nil) throws {
        let path = folder.appendingPathComponent(weightsFile).path
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) }
        catch { throw SessionError.io(path: path, operation: "reading the size of the model weights", detail: FileProblem.describe(error)) }
        self.init(folder: folder.path, weightsFile: weightsFile, weightsBytes: (attributes[.size] as? NSNumber)?.intValue ?? 0,
                  weightsSHA256: sha256)
    }
}

/// Which data a session used. The hash is computed by the caller (the runner that loaded the files).
public struct DatasetIdentity: Codable, Hashable, Sendable {
    /// Registered key (trec, sst2, …) or the path the user gave.
    public var key: String
    /// Folder or file the examples were read from.
    public var path: String
    /// Hash of the dataset's files, in whatever notation the caller chose (e.g. `sha256:…`).
    public var filesHash: String
    /// Number of classes C; a run with macro-F1 below 100 / C counts as failed.
    public var classCount: Int
    /// Rows `--skip-bad-rows` left out of a user's file (count and the first few problems); nil when none were.
    public var skippedRows: SkippedRows?
    /// The class names, index by index (absent from sessions recorded before they were; `SessionExport.classNames`
    /// falls back to the registered dataset's).
    public var classNames: [String]?

    public init(key: String, path: String, filesHash: String, classCount: Int) {
        self.key = key; self.path = path; self.filesHash = filesHash; self.classCount = classCount
    }
}

/// Where and with what a session was produced.
public struct MachineInfo: Codable, Hashable, Sendable {
    public var hostname: String
    public var cores: Int
    public var operatingSystem: String
    /// Version string of the `deni` tool that wrote the session.
    public var toolVersion: String
    /// "debug" or "release".
    public var buildConfiguration: String
    /// What computed the products (`GEMM.products.name`: "onednn", "openblas", "onednn-bf16", "bf16-emulated");
    /// absent in sessions written before backends were selectable (those used OpenBLAS). Runs reproduce bit for bit
    /// only with the same backend, precision and thread count.
    public var gemm: String?
    /// The CPU model; absent in sessions written before it was recorded.
    public var cpu: String?

    public init(hostname: String, cores: Int, operatingSystem: String, toolVersion: String, buildConfiguration: String,
                gemm: String? = nil, cpu: String? = nil) {
        self.hostname = hostname; self.cores = cores; self.operatingSystem = operatingSystem
        self.toolVersion = toolVersion; self.buildConfiguration = buildConfiguration; self.gemm = gemm; self.cpu = cpu
    }

    /// This machine and build, running products in `precision`.
    public static func current(toolVersion: String, precision: Precision = .fp32) -> MachineInfo {
        let info = ProcessInfo.processInfo
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        return MachineInfo(hostname: info.hostName, cores: info.activeProcessorCount,
                           operatingSystem: info.operatingSystemVersionString, toolVersion: toolVersion, buildConfiguration: build,
                           gemm: GEMM.productsName(precision), cpu: CPUInfo.current.model)
    }
}

/// `manifest.json`: what a session is, written first and replaced atomically on every status change.
///
/// Schema history (bump `SessionFormat.schemaVersion` on any change a version-1 reader would misread; keep
/// the decoder of every older version in `SessionReader.decodeManifest`):
/// - 1: this layout.
public struct SessionManifest: Codable, Hashable, Sendable {
    public var schemaVersion: Int
    /// `EventSchema.version` of the events in `events.jsonl`.
    public var eventSchemaVersion: Int
    /// The session folder's name (`yyyyMMdd-HHmmss-<config name>`).
    public var name: String
    public var config: ExperimentConfig
    public var model: ModelIdentity
    public var dataset: DatasetIdentity
    public var machine: MachineInfo
    public var status: SessionStatus
    public var created: Date
    public var updated: Date
    /// The results table; set when the status is `finished`.
    public var summary: ResultsTable?
    /// Why the session failed (status `failed`).
    public var failure: String?
    /// Set by `deni compact`: the step events logged before the last compaction were thinned to this stride
    /// (plus each epoch's last step); absent when every optimiser step is recorded. Events appended later (a
    /// resumed session) are complete until the session is compacted again.
    public var stepEventsEvery: Int?

    public init(schemaVersion: Int = SessionFormat.schemaVersion, eventSchemaVersion: Int = EventSchema.version, name: String,
                config: ExperimentConfig, model: ModelIdentity, dataset: DatasetIdentity, machine: MachineInfo,
                status: SessionStatus, created: Date, updated: Date, summary: ResultsTable? = nil, failure: String? = nil) {
        self.schemaVersion = schemaVersion; self.eventSchemaVersion = eventSchemaVersion; self.name = name
        self.config = config; self.model = model; self.dataset = dataset; self.machine = machine; self.status = status
        self.created = created; self.updated = updated; self.summary = summary; self.failure = failure
    }
}

/// File names, versions and JSON conventions shared by the writer and the reader.
public enum SessionFormat {
    /// Version of `manifest.json` this build writes. Readers accept every version up to this one.
    public static let schemaVersion = 1
    public static let manifestFile = "manifest.json"
    public static let eventsFile = "events.jsonl"
    /// Holds "<pid> <hostname>" of the live writer; removed when the writer finishes, fails or is interrupted.
    public static let lockFile = "session.lock"

    /// Non-finite numbers (a diverged loss) are written as the strings "nan", "inf", "-inf".
    static let nonConforming = (positive: "inf", negative: "-inf", nan: "nan")

    /// Sorted keys; ISO 8601 dates; non-finite doubles as strings. `pretty` for the manifest, compact for events.
    public static func encoder(pretty: Bool) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: nonConforming.positive,
                                                                negativeInfinity: nonConforming.negative, nan: nonConforming.nan)
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: nonConforming.positive,
                                                                  negativeInfinity: nonConforming.negative, nan: nonConforming.nan)
        return d
    }

    /// `yyyyMMdd-HHmmss-<name>` in `timeZone`, the name reduced to letters, digits, `.`, `_` and `-`
    /// (other runs become one `-`; leading and trailing `-`/`.` dropped).
    public static func folderName(date: Date, name: String, timeZone: TimeZone = .current) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ v: Int?) -> String { let v = v ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        let stamp = "\(c.year ?? 0)\(two(c.month))\(two(c.day))-\(two(c.hour))\(two(c.minute))\(two(c.second))"
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        var clean = ""
        for ch in name { let c: Character = allowed.contains(ch) ? ch : "-"; if !(c == "-" && clean.hasSuffix("-")) { clean.append(c) } }
        clean = String(clean.drop { $0 == "-" || $0 == "." }.reversed().drop { $0 == "-" || $0 == "." }.reversed())
        return clean.isEmpty ? stamp : "\(stamp)-\(clean)"
    }
}

extension SessionManifest {
    /// Settings every reader counts with, checked when a manifest is read: out of range (an edited or damaged
    /// manifest), they would overflow, loop for ever or allocate without bound. Only these are checked: the rest of
    /// the validation depends on this machine (its CPU, the data folder), and a recorded session must stay readable
    /// elsewhere.
    public var recordedProblem: String? {
        for key in Self.countedKeys {
            guard case .experiment(let row)? = try? ExperimentFields.resolve(key), let problem = row.field.check(config) else { continue }
            return "config.\(key): \(problem)"
        }
        if config.strategies.isEmpty { return "config.strategies: none" }
        if !(2...Self.maximumClasses).contains(dataset.classCount) {
            return "dataset.classCount \(dataset.classCount) is outside 2...\(Self.maximumClasses)"
        }
        if let every = stepEventsEvery, every < 1 { return "stepEventsEvery \(every) is below 1" }
        return nil
    }

    static let countedKeys = ["runs", "firstRun", "trainSamples", "epochs", "batchSize", "evalSubsample", "evalEvery", "threads"]
    /// Most classes a recorded dataset may have (a confusion matrix is classes²).
    public static let maximumClasses = 10_000
}

extension SessionFormat {
    /// Why `url` must not receive an export or a report: it is a file of a recorded session (its manifest, events,
    /// config, meta, lock, or anything under its shards/ or slurm/ folders), which the write would destroy; or nil.
    public static func sessionFileProblem(_ url: URL) -> String? {
        let target = url.resolvingSymlinksInPath().standardizedFileURL
        var folder = target.deletingLastPathComponent()
        var inside = target.lastPathComponent
        if [SessionShards.folder, "slurm"].contains(folder.lastPathComponent) {
            inside = folder.lastPathComponent + "/" + inside
            folder = folder.deletingLastPathComponent()
        }
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(manifestFile).path) else { return nil }
        let own = [manifestFile, eventsFile, lockFile, "config.json", SessionMeta.file]
        guard own.contains(inside) || inside.contains("/") else { return nil }
        return "a file of the session \(folder.lastPathComponent); writing there would destroy it"
    }
}
