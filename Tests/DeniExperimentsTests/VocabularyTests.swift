import DeniData
import XCTest
import DeniCore
import DeniTraining
@testable import DeniExperiments

/// One experiment vocabulary: the legacy reader keeps old configs the experiments they were, the current format
/// refuses what it does not know, strategies are identified by kind + settings and labelled by what differs, and
/// the field table is the one place settings are defined.
final class VocabularyTests: XCTestCase {
    /// A config as sessions recorded it before the change (`deni run`'s encoder wrote every key of every kind,
    /// flat), with the cases the legacy reader must map: a DENI with K = 3 (its runs were labelled "DENI"),
    /// weight noise whose scope sat in "deni", Augment with 2 copies, `null` runs (the old reader's default).
    static let legacyJSON = #"""
    {"baseSeeds": {"dropout": 42, "init": 42, "noise": 42, "order": 42, "sample": 42, "split": 42}, "batchSize": 8, "dataset": "trec",
     "epochs": 4, "evalEvery": 0, "evalSubsample": 300, "headDropout": 0.3, "name": "trec-lora-quick", "pooling": "mean", "runs": null,
     "strategies": [
      {"augmentCopies": 1, "deni": {"anneal": true, "copyDropout": "own", "copyLearningRate": "constant", "copyOptimizer": "fresh", "ensembleSize": 10,
       "ensembleStart": 0.9, "interpolationEnd": 0.6, "interpolationStart": 0.3, "noiseScaling": "std", "noiseVariance": 0.15, "period": {"epochs": 1},
       "roundLength": {"epochs": 1}, "vote": "hard"}, "emaBiasCorrection": false, "emaDecay": 0.999, "ensembleSize": 10, "kind": "default",
       "mixoutProbability": 0.9, "noiseEnd": 0.9, "noiseEvery": 27, "noiseStart": 0.3, "noiseVariance": 0.15, "swaStart": 0.25, "warmup": 0},
      {"augmentCopies": 1, "deni": {"ensembleSize": 3, "noiseVariance": 0.15, "period": {"steps": 50}}, "ensembleSize": 10, "kind": "deni",
       "noiseVariance": 0.3, "warmup": 0},
      {"deni": {"noiseScope": "head"}, "kind": "weight_noise", "noiseVariance": 0.1},
      {"augmentCopies": 2, "kind": "augment", "epochScale": 1.2}],
     "threads": 2, "trainSamples": 400,
     "tuning": {"kind": "lora", "loraAlpha": 64, "loraBias": "all", "loraDropout": 0.1, "loraRank": 64, "loraTargets": ["query", "value"]},
     "variedFactors": ["init", "order", "dropout", "noise"]}
    """#

    func decode(_ json: String) throws -> ExperimentConfig { try JSONDecoder().decode(ExperimentConfig.self, from: Data(json.utf8)) }

    func message(_ json: String) -> String {
        do { _ = try decode(json); return "no error" } catch { return StrictDecoding.describe(error) }
    }

    func testLegacyConfigReadsAsTheExperimentItWas() throws {
        let c = try decode(Self.legacyJSON)
        XCTAssertEqual(c.runs, 20, "null runs: the old reader's default")
        XCTAssertEqual(c.strategies.map(\.kind), [.standard, .deni, .weightNoise, .augment])
        XCTAssertEqual(c.strategies.map(\.label), ["Default", "DENI", "Weight noise", "Augment x2"], "the labels the runs were recorded with")
        XCTAssertEqual(c.strategies[1].deni?.ensembleSize, 3)
        XCTAssertEqual(c.strategies[1].deni?.period, .steps(50))
        XCTAssertEqual(c.strategies[2].settings.noise?.noiseScope, .head, "weight noise took its scope from 'deni'")
        XCTAssertEqual(c.strategies[2].settings.noise?.noiseVariance, 0.1)
        XCTAssertEqual(c.strategies[3].settings.augmentCopies, 2)
        XCTAssertEqual(c.strategies[3].epochs(base: 10), 12)
        XCTAssertEqual(c.tuning.kind, .lora)
        XCTAssertNoThrow(try c.validate())
        // Read to start a new experiment, the same file's runs take the labels their settings give: its DENI
        // with K = 3 is a variant, never recorded as plain "DENI" (a current-format file keeps its labels).
        let fresh = try ExperimentConfig.newExperiment(from: Data(Self.legacyJSON.utf8))
        XCTAssertEqual(fresh.strategies.map(\.identity), c.strategies.map(\.identity))
        XCTAssertEqual(fresh.strategies[0].label, "Default")
        XCTAssertTrue(fresh.strategies[1].label.hasPrefix("DENI · K 3"), fresh.strategies[1].label)
        var named = c
        named.strategies[0].name = "Baseline"
        XCTAssertEqual(try ExperimentConfig.newExperiment(from: try named.encoded()).strategies[0].label, "Baseline")
        // Every study config and recorded session config reads, and validates.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let files = try FileManager.default.subpathsOfDirectory(atPath: root.appendingPathComponent("study").path)
            .filter { $0.hasSuffix(".json") }.map { root.appendingPathComponent("study/\($0)") }
            + ["sessions/examples", "sessions/study", "sessions/followup"].flatMap { dir in
                ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(dir).path)) ?? [])
                    .map { root.appendingPathComponent("\(dir)/\($0)/config.json") }
                    .filter { FileManager.default.fileExists(atPath: $0.path) }
            }
        XCTAssertGreaterThan(files.count, 10)
        for f in files {
            // A bf16 config validates on a CPU that runs bf16; elsewhere it reads and is refused for that reason only.
            guard var c = try? ExperimentConfig.load(f) else { XCTFail("\(f.path) does not read"); continue }
            if c.precision.unsupportedReason() != nil { c.precision = .fp32 }
            XCTAssertNoThrow(try c.validate(), f.path)
        }
    }

    func testCurrentFormatRoundTripsAndWritesOnlyEachKindsKeys() throws {
        var c = ExperimentConfig()
        var deni = StrategyConfig(kind: .deni)
        deni.deni?.noiseVariance = 0.05
        deni.deni?.ensembleSize = 5
        c.strategies = [StrategyConfig(kind: .standard), StrategyConfig(kind: .deni), deni, StrategyConfig(.ensemble(size: 3))]
        XCTAssertNoThrow(try c.validate())
        let data = try JSONEncoder().encode(c)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(object["format"] as? Int, 2)
        let strategies = try XCTUnwrap(object["strategies"] as? [[String: Any]])
        XCTAssertEqual(Set(strategies[0].keys), ["kind", "label", "epochScale", "warmup"])
        XCTAssertEqual(Set(strategies[2].keys), ["kind", "label", "deni", "epochScale", "warmup"])
        XCTAssertEqual(strategies[2]["label"] as? String, "DENI · σ² 0.05 · K 5")
        XCTAssertEqual(Set(strategies[3].keys), ["kind", "label", "ensembleSize", "epochScale", "warmup"])
        XCTAssertEqual(try JSONDecoder().decode(ExperimentConfig.self, from: data), c)
    }

    /// `precision` is one row of the field table: set by key or flag, refused by validation (naming the missing CPU
    /// feature) where this CPU cannot run it, written to config files only when it is not fp32, read back either way.
    func testPrecisionIsASettingOfTheTable() throws {
        var c = ExperimentConfig()
        XCTAssertEqual(c.precision, .fp32)
        XCTAssertFalse(String(decoding: try c.encoded(), as: UTF8.self).contains("precision"))
        if let reason = Precision.bf16.unsupportedReason() {
            // Setting it is refused at once where this CPU cannot run it (the Setup form and the flags say why).
            XCTAssertThrowsError(try ExperimentFields.set(&c, "precision", "bf16")) { XCTAssertTrue("\($0)".contains(reason), "\($0)") }
            XCTAssertEqual(c.precision, .fp32)
            c.precision = .bf16
        } else {
            try ExperimentFields.set(&c, "precision", "bf16")
        }
        XCTAssertEqual(c.precision, .bf16)
        let text = String(decoding: try c.encoded(), as: UTF8.self)
        XCTAssertTrue(text.contains(#""precision" : "bf16""#), text)
        XCTAssertEqual(try ExperimentConfig.newExperiment(from: try c.encoded()).precision, .bf16)
        XCTAssertThrowsError(try ExperimentFields.set(&c, "precision", "fp16")) { XCTAssertTrue("\($0)".contains("fp16"), "\($0)") }
        XCTAssertEqual(c.precision, .bf16, "a refused value leaves the config unchanged")
        if let reason = Precision.bf16.unsupportedReason() {
            XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains(reason), "\($0)") }
        } else {
            XCTAssertNoThrow(try c.validate())
        }
        XCTAssertEqual(MachineInfo.current(toolVersion: "t", precision: .fp32).gemm, GEMM.backend.name)
        XCTAssertEqual(MachineInfo.current(toolVersion: "t", precision: .bf16).gemm, Precision.emulationRequested ? "bf16-emulated" : "onednn-bf16")
    }

    func testUnknownAndMisplacedKeysAreRefusedWithTheNearestName() {
        XCTAssertEqual(message(#"{"format": 2, "epoch": 5}"#), "epoch: unknown key 'epoch' in the experiment config (did you mean 'epochs'?)")
        XCTAssertEqual(message(#"{"epoch": 5}"#), "epoch: unknown key 'epoch' in the experiment config (did you mean 'epochs'?)",
                       "the legacy reader refuses unknown keys too: the old format had none")
        XCTAssertTrue(message(#"{"format": 2, "strategies": [{"kind": "deni", "ensembleSize": 5}]}"#)
                        .contains("'ensembleSize' does not apply to DENI (its keys: kind, label, experiment, epochs, epochScale, warmup, deni)"))
        XCTAssertTrue(message(#"{"format": 2, "strategies": [{"kind": "deni", "deni": {"noiseVarience": 0.3}}]}"#)
                        .contains("unknown key 'noiseVarience' in the DENI settings (did you mean 'noiseVariance'?)"))
        XCTAssertEqual(message(#"{"format": 2, "runs": null}"#), "runs: null where a whole number is expected")
        // A fraction for a whole number: Foundation calls valid JSON "not valid JSON" there; the message says what it is.
        let fraction = Data(#"{"format": 2, "runs": 2.5}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(ExperimentConfig.self, from: fraction)) {
            XCTAssertEqual(StrictDecoding.describe($0, decoding: fraction), "a number does not fit its field: a fraction or a value too large where a whole number is expected (the JSON itself is valid)")
        }
        XCTAssertEqual(message(#"{"format": 3}"#), "format: config format 3 is not one this version reads (2, or none for the pre-change format)")
        XCTAssertTrue(message(#"{"format": 2, "strategies": [{"kind": "denni"}]}"#).contains("strategies[0].kind"), message(#"{"format": 2, "strategies": [{"kind": "denni"}]}"#))
        // The nested sections are as strict as the top level, and take defaults for the keys they leave out.
        XCTAssertEqual(message(#"{"format": 2, "tuning": {"kind": "lora", "loraRnak": 8}}"#),
                       "tuning.loraRnak: unknown key 'loraRnak' in the tuning settings (did you mean 'loraRank'?)")
        XCTAssertTrue(message(#"{"format": 2, "baseSeeds": {"split": 1, "bogus": 2}}"#).hasPrefix("baseSeeds.bogus: unknown key 'bogus' in the base seeds"))
        XCTAssertEqual(message(#"{"format": 2, "data": {"colums": {}}}"#), "data.colums: unknown key 'colums' in the data options (did you mean 'columns'?)")
        XCTAssertEqual(message(#"{"format": 2, "data": {"columns": {"txt": {"name": "a"}}}}"#),
                       "data.columns.txt: unknown key 'txt' in the data columns (did you mean 'text'?)")
        XCTAssertTrue(message(#"{"format": 2, "strategies": [{"kind": "deni", "deni": {"period": {"steps": 3, "epochs": 1}}}]}"#)
                        .contains("a span gives steps or epochs, not both"))
        let partial = try? JSONDecoder().decode(ExperimentConfig.self, from: Data(#"{"format": 2, "data": {"encoding": "latin1"}}"#.utf8))
        XCTAssertEqual(partial?.data.encoding, .latin1)
        XCTAssertEqual(partial?.data.maxRowBytes, LoadOptions().maxRowBytes)
        // Values the loader would trap on or misread are refused by the one validation.
        var columns = ExperimentConfig()
        columns.dataset = "/tmp/file.csv"
        columns.data.columns.label = .index(-1)
        XCTAssertThrowsError(try columns.validate()) { XCTAssertEqual("\($0)", "Label column -1 is not a column (indices count from 0)") }
        for (edit, text) in [({ (c: inout ExperimentConfig) in c.data.maxRowBytes = 0 }, "invalid data.maxRowBytes: 0"),
                             ({ (c: inout ExperimentConfig) in c.data.labelBase = -7 }, "invalid data.labelBase: -7")] {
            var c = ExperimentConfig()
            edit(&c)
            XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".hasPrefix(text), "\($0)") }
        }
        // data.maxLength beyond the position table (or below a [CLS] x [SEP]) is refused by the one validation.
        for bad in [0, -1, 2, 513, 100_000] {
            var c = ExperimentConfig()
            c.data.maxLength = bad
            XCTAssertThrowsError(try c.validate()) { XCTAssertEqual("\($0)", "invalid data.maxLength: \(bad) (valid: 3...512 tokens)") }
        }
    }

    func testStrategyIdentityAndLabels() throws {
        var a = StrategyConfig(kind: .deni), b = StrategyConfig(kind: .deni)
        XCTAssertEqual(a.identity, b.identity)
        b.deni?.ensembleSize = 5
        XCTAssertNotEqual(a.identity, b.identity)
        XCTAssertEqual(b.label, "DENI · K 5")
        a.name = "DENI"   // a recorded label: same strategy, same label
        XCTAssertEqual(a, StrategyConfig(kind: .deni))
        XCTAssertEqual(StrategyConfig(kind: .augment).label, "Augment x1")
        var noisy = StrategyConfig(kind: .weightNoise)
        noisy.settings.noise?.noiseScope = .all
        XCTAssertEqual(noisy.label, "Weight noise · scope all")
        var c = ExperimentConfig()
        c.strategies = [StrategyConfig(kind: .deni), StrategyConfig(kind: .deni)]
        XCTAssertThrowsError(try c.validate()) { XCTAssertEqual("\($0)", "DENI is listed twice with the same settings (a variant needs at least one setting of its own)") }
        c.strategies = [StrategyConfig(kind: .deni), b]
        XCTAssertNoThrow(try c.validate(), "variants: the same kind with different settings")
    }

    func testFieldTableIsTheOnePlaceSettingsAreDefined() throws {
        // Every experiment-level key of the config has a row (or is a structure the rows reach into).
        let structural: Set<String> = ["format", "strategies", "baseSeeds", "variedFactors", "data", "tuning", "sweep"]
        for key in ExperimentConfig.CodingKeys.allCases.map(\.rawValue) where !structural.contains(key) {
            XCTAssertTrue(ExperimentFields.rows.contains { $0.field.key == key }, "no field row for '\(key)'")
        }
        // Flags are unique, except a strategy setting shared by several kinds with one meaning.
        var owners: [String: String] = [:]
        for r in ExperimentFields.rows { if let f = r.field.flag { XCTAssertNil(owners[f], "flag --\(f) twice"); owners[f] = r.field.key } }
        for k in StrategyKind.allCases {
            for f in StrategyConfig(kind: k).fields { if let flag = f.flag {
                if let o = owners[flag] { XCTAssertEqual(o, f.key, "--\(flag) names two settings") } else { owners[flag] = f.key }
            } }
        }
        // Every row reads back what it writes.
        var c = ExperimentConfig()
        for r in ExperimentFields.rows {
            let v = r.field.read(c)
            XCTAssertNoThrow(try r.field.set(&c, v), r.field.key)
            XCTAssertEqual(r.field.read(c), v, r.field.key)
        }
        XCTAssertTrue(ExperimentFields.flagHelp.contains("--noise-variance"))
    }

    func testSettingByKeyReachesTheRightStrategies() throws {
        var c = ExperimentConfig()
        c.strategies = [StrategyConfig(kind: .standard), StrategyConfig(kind: .deni), StrategyConfig(kind: .inputNoise), StrategyConfig(kind: .ensemble)]
        try ExperimentFields.set(&c, "noise-variance", "0.3")
        XCTAssertEqual(c.strategies[1].deni?.noiseVariance, 0.3)
        XCTAssertEqual(c.strategies[2].settings.noise?.noiseVariance, 0.3, "--noise-variance sets every strategy that has it")
        try ExperimentFields.set(&c, "deni.noiseVariance", "0.05")
        XCTAssertEqual(c.strategies[1].deni?.noiseVariance, 0.05)
        XCTAssertEqual(c.strategies[2].settings.noise?.noiseVariance, 0.3, "deni.noiseVariance sets DENI's only")
        try ExperimentFields.set(&c, "ensembleSize", "5")
        XCTAssertEqual(c.strategies[3].settings, .ensemble(size: 5))
        XCTAssertEqual(c.strategies[1].deni?.ensembleSize, 5)
        try ExperimentFields.set(&c, "lr", "5e-4")
        XCTAssertEqual(c.learningRate, 5e-4)
        try ExperimentFields.set(&c, "tuning.loraRank", "8")
        XCTAssertEqual(c.tuning.loraRank, 8)
        XCTAssertThrowsError(try ExperimentFields.set(&c, "deni.noiseVarience", "1")) {
            XCTAssertEqual("\($0)", "DENI has no setting 'noiseVarience' (did you mean 'deni.noiseVariance'?)")
        }
        XCTAssertThrowsError(try ExperimentFields.set(&c, "swa.swaStart", "0.5")) { XCTAssertEqual("\($0)", "swa.swaStart: no SWA strategy in this experiment") }
        XCTAssertThrowsError(try ExperimentFields.set(&c, "epochs", "0")) { XCTAssertEqual("\($0)", "Epochs 0 is outside 1...1000") }
        XCTAssertThrowsError(try ExperimentFields.set(&c, "epohcs", "3")) { XCTAssertTrue("\($0)".contains("did you mean 'epochs'"), "\($0)") }
    }
}
