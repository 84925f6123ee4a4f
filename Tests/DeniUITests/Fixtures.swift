import XCTest
import DeniCore
import DeniData
import DeniExperiments
import DeniTraining
@testable import DeniUI

/// Shared test data: a small two-strategy experiment with synthetic events and an in-memory session catalog.
enum Fixture {
    static let datasets = [
        DatasetChoice(key: "trec", title: "TREC question type", classes: 6, size: 5952, present: true, maxLength: 25),
        DatasetChoice(key: "sst2", title: "SST-2 sentiment", classes: 2, size: 70042, present: false, maxLength: 50),
    ]

    static var config: ExperimentConfig {
        var c = ExperimentConfig()
        c.name = "fixture"
        c.runs = 3
        c.trainSamples = 64
        c.epochs = 4
        c.batchSize = 8
        c.strategies = [StrategyConfig(kind: .standard), StrategyConfig(kind: .deni)]
        return c
    }

    /// 3 runs × 2 strategies × 40 steps; DENI#1 fails half-way.
    static var synthetic: SyntheticExperiment {
        SyntheticExperiment(config: config, stepsPerRun: 40, failing: [RunID(strategy: "DENI", run: 1)])
    }
    static var events: [TrainingEvent] { synthetic.allEvents() }

    static var session: LoadedSession { LoadedSession(config: config, events: events, table: table) }

    /// A runner-style table for DENI vs Default (values as a runner would report them).
    static var table: ResultsTable {
        let s = Statistics.summary([70, 72, 74])
        return ResultsTable(baseline: "Default", rows: [
            StrategyResult(strategy: "Default", runs: 3, failed: 0, macroF1: s, accuracy: s, modelSteps: 40,
                           costRelativeToEnsemble: 0.1, wallSeconds: 2, significance: nil),
            StrategyResult(strategy: "DENI", runs: 3, failed: 1, macroF1: s, accuracy: s, modelSteps: 120,
                           costRelativeToEnsemble: 0.3, wallSeconds: 6,
                           significance: PairedComparison(meanDifference: Interval(estimate: 1.5, low: 0.2, high: 2.8),
                                                            wilcoxonP: 0.031, stdRatio: Interval(estimate: 0.6, low: 0.3, high: 0.9), pairs: 3)),
        ])
    }

    static func setup(config: ExperimentConfig = Fixture.config, modelPath: String = "/nonexistent/model") -> SetupState {
        SetupState(config: config, datasets: datasets, defaultModelPath: modelPath, presets: [Preset.paper, Preset.quickLook])
    }

    static func state(width: Int = 120, height: Int = 40) -> AppState {
        AppState(width: width, height: height, setup: setup())
    }

    /// A state on the Live screen with all fixture events applied (training reported running).
    static func liveState(width: Int = 120, height: Int = 40, upTo count: Int? = nil) -> AppState {
        var s = state(width: width, height: height)
        s.live = ExperimentModel(config: config, classNames: DatasetRegistry.info(config.dataset)?.classNames ?? [])
        s.training = .running
        s.screen = .live
        let ev = events
        _ = s.reduce(.events(Array(ev.prefix(count ?? ev.count))))
        _ = s.reduce(.tick(5))
        return s
    }

    /// A folder that passes the model-folder check.
    static func modelFolder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deni-ui-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for f in ["config.json", "vocab.txt", "model.safetensors"] { try Data("x".utf8).write(to: dir.appendingPathComponent(f)) }
        return dir.path
    }
}

/// Sessions held in memory; `broken` fails to load with a message.
struct MemoryCatalog: SessionStore {
    var sessions: [String: LoadedSession]
    var broken: Set<String> = []
    func list() throws -> [SessionRow] {
        (Array(sessions.keys) + Array(broken)).sorted().map {
            $0.contains("sweep")
                ? SessionRow(name: $0, date: "2026-11-30", dataset: "trec", strategies: ["Default", "DENI · σ² 0.05", "DENI · σ² 0.5"], runs: 6,
                             status: "finished", best: "DENI · σ² 0.05 74.0", varies: "deni.noiseVariance 0.05,0.5")
                : SessionRow(name: $0, date: "2026-11-29", dataset: "trec", strategies: ["Default", "DENI"], runs: 3,
                             status: broken.contains($0) ? "failed" : "finished", best: "DENI 73.1")
        }
    }
    func load(_ name: String) throws -> LoadedSession {
        if broken.contains(name) { throw SessionLoadError("events.jsonl line 7: unexpected end of data") }
        guard let s = sessions[name] else { throw SessionLoadError("no session named '\(name)'") }
        return s
    }
    func rename(_ name: String, to newName: String) throws -> String { throw SessionLoadError("read-only catalog") }
    func delete(_ name: String) throws -> String { throw SessionLoadError("read-only catalog") }
    func saveMeta(_ name: String, tags: [String], note: String?) throws { throw SessionLoadError("read-only catalog") }
    func resume(_ name: String) throws -> SessionResumption { .finished(message: "\(name) is already finished") }
}

extension AppState {
    /// Sends keys one by one, returning all effects.
    @discardableResult
    mutating func press(_ keys: Key...) -> [Effect] {
        var out: [Effect] = []
        for k in keys { out += reduce(.key(k)) }
        return out
    }
    @discardableResult
    mutating func type(_ text: String) -> [Effect] {
        var out: [Effect] = []
        for ch in text { out += reduce(.key(.char(ch))) }
        return out
    }
}

/// Compares a rendered grid with `Snapshots/<name>.txt` next to this file; DENI_RECORD=1 (re)writes it.
func assertSnapshot(_ grid: CellGrid, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
    let dir = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().appendingPathComponent("Snapshots")
    let url = dir.appendingPathComponent(name + ".txt")
    let text = grid.lines.joined(separator: "\n") + "\n"
    let record = ProcessInfo.processInfo.environment["DENI_RECORD"] == "1"
    guard let expected = try? String(contentsOf: url, encoding: .utf8), !record else {
        if record {
            try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try? text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        XCTFail("missing snapshot \(url.path); run with DENI_RECORD=1 to write it", file: file, line: line)
        return
    }
    if expected != text {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false), a = text.split(separator: "\n", omittingEmptySubsequences: false)
        let firstDiff = zip(e, a).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(e.count, a.count)
        XCTFail("snapshot \(name) differs at line \(firstDiff + 1):\nexpected: \(firstDiff < e.count ? String(e[firstDiff]) : "<end>")\nactual:   \(firstDiff < a.count ? String(a[firstDiff]) : "<end>")\n(DENI_RECORD=1 rewrites)",
                file: file, line: line)
    }
}
