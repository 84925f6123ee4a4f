import DeniCore
import DeniTraining
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import DeniExperiments

/// Builders shared by the session tests: a temporary folder, a small config and synthetic runs.
enum Fixtures {
    static func temporaryFolder(_ name: String = #function) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("deni-sessions-tests-\(getpid())-\(name.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func config(runs: Int = 4, strategies: [StrategyKind] = [.standard, .deni]) -> ExperimentConfig {
        var c = ExperimentConfig()
        c.name = "unit test"
        c.runs = runs
        c.strategies = strategies.map(StrategyConfig.init(kind:))
        return c
    }

    static let model = ModelIdentity(folder: "/models/mini", weightsFile: "model.safetensors", weightsBytes: 90_868_376, weightsSHA256: nil)
    static let dataset = DatasetIdentity(key: "trec", path: "/data/trec", filesHash: "sha256:abc", classCount: 6)
    static let machine = MachineInfo(hostname: "test-host", cores: 2, operatingSystem: "Linux", toolVersion: "test", buildConfiguration: "debug")

    static func writer(in parent: URL, config: ExperimentConfig = config()) throws -> SessionWriter {
        try SessionWriter.create(in: parent, config: config, modelIdentity: model, datasetIdentity: dataset, machine: machine)
    }

    static func metrics(_ f1: Double, accuracy: Double? = nil) -> RunMetrics {
        RunMetrics(accuracy: accuracy ?? f1 + 5, macroF1: f1, perClassF1: [f1, f1], confusion: [[3, 1], [0, 4]])
    }

    /// The events of one run: start, `steps` steps (loss 1/step), evaluations every 5 steps, a cost, the end.
    /// One run's events; `seeds` defaults to `Seeds(all: run)` (pass the config's `seeds(run:)` where a reader checks them).
    static func run(_ strategy: String, _ run: Int, f1: Double?, status: RunStatus = .finished, steps: Int = 10,
                    modelSteps: Int = 100, wall: Double = 2, seeds: Seeds? = nil) -> [TrainingEvent] {
        let id = RunID(strategy: strategy, run: run)
        var events: [TrainingEvent] = [.runStart(id: id, seeds: seeds ?? Seeds(all: UInt64(run)), totalSteps: steps, trainExamples: 80, time: 0)]
        for s in 1...steps {
            events.append(.step(id: id, step: s, epoch: 0, loss: 1 / Double(s) + Double(run), learningRate: 1e-4, time: Double(s) / 10))
            if s % 5 == 0 {
                events.append(.evaluation(id: id, step: s, accuracy: 50 + Double(s), macroF1: 40 + Double(s + run), loss: 0.5, subset: true, time: Double(s) / 10))
            }
        }
        let cost = CostCounters(modelSteps: modelSteps, trainingFLOPs: 1e12, inferencePasses: 10, wallSeconds: wall, peakMemoryBytes: 1 << 20)
        events.append(.cost(id: id, step: steps, cost: cost))
        events.append(.runEnd(id: id, status: status, metrics: f1.map { metrics($0) }, cost: cost,
                              failure: status == .failed ? "diverged" : nil, step: steps, time: Double(steps) / 10))
        return events
    }

    /// One of every event kind.
    static var everyKind: [TrainingEvent] {
        let id = RunID(strategy: "DENI", run: 3)
        return [
            .runStart(id: id, seeds: Seeds(split: 1, sample: 2, initialization: 3, order: 4, dropout: 5, noise: UInt64.max), totalSteps: 1250, trainExamples: 1000, time: 0.25),
            .step(id: id, step: 1, epoch: 0, loss: 1.7917594692280550, learningRate: 1e-4, time: 0.5),
            .evaluation(id: id, step: 125, accuracy: 81.2, macroF1: 77.123456789, loss: 0.61, subset: true, time: 12.5),
            .phase(id: id, step: 375, phase: .interpolating, members: 10, detail: "round 1 \"quoted\" ✓", time: 30),
            .cost(id: id, step: 375, cost: CostCounters(modelSteps: 4000, trainingFLOPs: 3.5e15, inferencePasses: 12, wallSeconds: 31.5, peakMemoryBytes: 123_456_789)),
            .runEnd(id: id, status: .finished, metrics: metrics(77.5), cost: CostCounters(), failure: nil, step: 1250, time: 99),
            .runEnd(id: RunID(strategy: "Default", run: 0), status: .failed, metrics: nil, cost: CostCounters(), failure: "loss became NaN", step: 17, time: 3),
            .log(level: "info", message: "line one\nline two", time: 100),
        ]
    }
}

/// Counts SVG elements by their `class` attribute while checking the document is well-formed XML.
final class SVGCounter: NSObject, XMLParserDelegate {
    var classes: [String: Int] = [:]
    var elements: [String: Int] = [:]
    var seriesNames: [String] = []
    /// Attributes of every `rect.cell` (heat maps), with the enclosing panel's strategy as `panel`.
    var cells: [[String: String]] = []
    /// Attributes of every `rect.phase` (shaded phases), with the enclosing group's strategy as `group`.
    var phases: [[String: String]] = []
    /// Text of every `text.column-label` and `text.row-label`.
    var labels: [String] = []
    private var panel = "", group = "", inLabel = false

    static func parse(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> SVGCounter {
        let counter = SVGCounter()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = counter
        XCTAssertTrue(parser.parse(), "SVG not well-formed: \(String(describing: parser.parserError))", file: file, line: line)
        return counter
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements[name, default: 0] += 1
        if let c = attributes["class"] { classes[c, default: 0] += 1 }
        if attributes["class"] == "series", let s = attributes["data-strategy"] { seriesNames.append(s) }
        if attributes["class"] == "panel" { panel = attributes["data-strategy"] ?? "" }
        if attributes["class"] == "phases" { group = attributes["data-strategy"] ?? "" }
        if attributes["class"] == "cell" { cells.append(attributes.merging(["panel": panel]) { a, _ in a }) }
        if attributes["class"] == "phase" { phases.append(attributes.merging(["group": group]) { a, _ in a }) }
        inLabel = attributes["class"] == "column-label" || attributes["class"] == "row-label"
        if inLabel { labels.append("") }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if inLabel { labels[labels.count - 1] += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { inLabel = false }
}
