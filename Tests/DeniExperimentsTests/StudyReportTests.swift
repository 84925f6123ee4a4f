import DeniCore
import DeniData
import DeniTraining
import Foundation
import XCTest
@testable import DeniExperiments

/// `deni report`: sessions merged into cells, paired comparisons across sessions, the findings' rules.
final class StudyReportTests: XCTestCase {
    private var parent: URL!

    override func setUpWithError() throws { parent = try Fixtures.temporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: parent) }

    /// A finished session whose strategy `name` ends run i with `f1[name][i]` (and model-steps `steps[name]`).
    private func session(_ f1: [String: [Double]], strategies: [StrategyKind], tuning: AdapterSpec.Kind = .lora, epochs: Int = 10,
                         steps: [String: Int] = [:], splitSeed: UInt64 = 42) throws -> RecordedSession {
        var config = Fixtures.config(runs: f1.values.map(\.count).max() ?? 1, strategies: strategies)
        config.tuning.kind = tuning
        config.epochs = epochs
        config.baseSeeds.split = splitSeed
        let w = try Fixtures.writer(in: parent, config: config)
        var events: [TrainingEvent] = []
        for (i, name) in strategies.map(\.displayName).enumerated() {
            for (run, value) in (f1[name] ?? []).enumerated() {
                events += Fixtures.run(name, run, f1: value, modelSteps: steps[name] ?? 100 * (i + 1))
            }
        }
        for e in events { w.publish(e) }
        try w.finish(summary: ResultsTable.derive(config: config, events: events, classCount: 6))
        return try SessionReader.read(w.folder)
    }

    func testSessionsOfOneProtocolMergeIntoOneCellAndPairAcrossSessions() throws {
        let a = try session(["Default": [80, 82, 84, 86], "DENI": [85, 86, 87, 88]], strategies: [.standard, .deni],
                            steps: ["Default": 100, "DENI": 370])
        let b = try session(["Default": [80.5, 82, 84, 86], "Ensemble": [84, 84, 86, 86]], strategies: [.standard, .ensemble],
                            steps: ["Default": 100, "Ensemble": 1000])
        let cells = StudyCell.cells([a, b])
        XCTAssertEqual(cells.count, 1)
        let cell = cells[0]
        XCTAssertEqual(cell.title, "TREC, LoRA")
        XCTAssertEqual(cell.table.rows.map(\.strategy), ["Default", "DENI", "Ensemble"])
        XCTAssertEqual(cell.table.rows.map(\.runs), [4, 4, 4])
        // Default run 0 was recorded twice: the first session's 80 is used, 80.5 is reported.
        XCTAssertEqual(cell.finalF1("Default")[0], 80)
        XCTAssertEqual(cell.duplicates.count, 4)
        XCTAssertEqual(cell.duplicates.first { $0.run == 0 }?.other, 80.5)
        let c = try XCTUnwrap(cell.compare("DENI", with: "Ensemble"))
        XCTAssertEqual(c.pairs, 4)
        XCTAssertEqual(c.meanDifference.estimate, 1.5, accuracy: 1e-12)   // (1 + 2 + 1 + 2) / 4
        XCTAssertEqual(c.costRatio, 0.37, accuracy: 1e-12)
        XCTAssertEqual(c.stdRatio.estimate, Statistics.summary([85, 86, 87, 88]).std / Statistics.summary([84, 84, 86, 86]).std, accuracy: 1e-12)
        XCTAssertEqual(cell.comparisons.map { "\($0.strategy)-\($0.against)" }, ["DENI-Default", "Ensemble-Default", "DENI-Ensemble"])
    }

    /// A variant (DENI with copies that follow the schedule) is compared with Default, with Ensemble (as DENI is)
    /// and with its kind at the defaults; plain strategies keep exactly the comparisons they had.
    func testAVariantIsComparedWithItsKindAtTheDefaultsAndDENIsWithEnsemble() throws {
        var config = Fixtures.config(runs: 3, strategies: [.standard, .deni, .ensemble])
        var variant = StrategyConfig(kind: .deni)
        variant.deni?.copyLearningRate = .scheduled
        config.strategies.append(variant)
        XCTAssertEqual(variant.label, "DENI · copy lr scheduled")
        let w = try Fixtures.writer(in: parent, config: config)
        let f1: [String: Double] = ["Default": 80, "DENI": 81, "Ensemble": 82, variant.label: 84]
        var events: [TrainingEvent] = []
        for run in 0..<3 { for s in config.strategies { events += Fixtures.run(s.label, run, f1: f1[s.label]! + Double(run * run)) } }
        for e in events { w.publish(e) }
        try w.finish(summary: ResultsTable.derive(config: config, events: events, classCount: 6))
        let cell = try XCTUnwrap(StudyCell.cells([try SessionReader.read(w.folder)]).first)
        XCTAssertEqual(cell.comparisons.map { "\($0.strategy) − \($0.against)" },
                       ["DENI − Default", "Ensemble − Default", "DENI · copy lr scheduled − Default", "DENI − Ensemble",
                        "DENI · copy lr scheduled − Ensemble", "DENI · copy lr scheduled − DENI"])
        XCTAssertEqual(cell.comparisons.map(\.meanDifference.estimate), [1, 2, 4, -1, 2, 3])
    }

    /// A variant recorded under its kind's plain label (a pre-change config) is not merged with that kind's runs
    /// from another session: in the cell it takes the label its settings give, and pairs as the variant it is.
    func testAVariantRecordedUnderItsKindsLabelIsNotMergedWithTheKind() throws {
        let plain = try session(["Default": [80, 81, 82], "DENI": [81, 82, 83]], strategies: [.standard, .deni])
        var config = Fixtures.config(runs: 3, strategies: [])
        var variant = StrategyConfig(kind: .deni)
        variant.deni?.copyLearningRate = .scheduled
        variant.name = "DENI"
        XCTAssertEqual(variant.settingsLabel, "DENI · copy lr scheduled")
        config.strategies = [variant]
        let w = try Fixtures.writer(in: parent, config: config)
        var events: [TrainingEvent] = []
        for run in 0..<3 { events += Fixtures.run("DENI", run, f1: 90 + Double(run)) }
        for e in events { w.publish(e) }
        try w.finish(summary: ResultsTable.derive(config: config, events: events, classCount: 6))
        let cell = try XCTUnwrap(StudyCell.cells([plain, try SessionReader.read(w.folder)]).first)
        XCTAssertEqual(cell.table.rows.map(\.strategy), ["Default", "DENI", "DENI · copy lr scheduled"])
        XCTAssertEqual(cell.table.rows.map(\.runs), [3, 3, 3])
        XCTAssertEqual(cell.duplicates, [], "the variant's runs are not reruns of DENI's")
        XCTAssertEqual(cell.finalF1("DENI"), [0: 81, 1: 82, 2: 83])
        XCTAssertEqual(cell.compare("DENI · copy lr scheduled", with: "DENI")?.meanDifference.estimate, 9)
        // The same strategy under the same label still merges (run 0 recorded twice is a duplicate).
        let again = try session(["DENI": [81]], strategies: [.deni])
        let merged = try XCTUnwrap(StudyCell.cells([plain, again]).first)
        XCTAssertEqual(merged.table.rows.map(\.strategy), ["Default", "DENI"])
        XCTAssertEqual(merged.duplicates.map(\.run), [0])
    }

    /// A sweep is a cell of its own named by what it varies; each point is a row, paired with the Default of its
    /// own learning rate, and the report lists the points under the varied fields.
    func testASweepIsACellWithPointsAsRowsPairedWithTheirOwnDefault() throws {
        let base = Fixtures.config(runs: 3, strategies: [.standard, .deni])
        let config = try SweepPlan(axes: [try SweepAxis.parse("lr=1e-4,5e-4")]).experiment(base)
        let w = try Fixtures.writer(in: parent, config: config)
        // DENI at lr 5e-4 is 2 above its own Default, which is 10 above the Default at 1e-4.
        let f1: [String: Double] = ["Default · lr 0.0001": 70, "Default · lr 0.0005": 80, "DENI · lr 0.0001": 71, "DENI · lr 0.0005": 82]
        var events: [TrainingEvent] = []
        for run in 0..<3 { for s in config.strategies { events += Fixtures.run(s.label, run, f1: f1[s.label]! + Double(run)) } }
        for e in events { w.publish(e) }
        try w.finish(summary: ResultsTable.derive(config: config, events: events, classCount: 6))
        let cells = StudyCell.cells([try SessionReader.read(w.folder)])
        XCTAssertEqual(cells.map(\.title), ["TREC, LoRA — sweep over lr"])
        XCTAssertEqual(cells.map(\.slug), ["trec-lora-sweep"])
        let comparisons = cells[0].comparisons
        XCTAssertEqual(comparisons.map { "\($0.strategy) − \($0.against)" }, ["DENI · lr 0.0001 − Default · lr 0.0001", "DENI · lr 0.0005 − Default · lr 0.0005"])
        XCTAssertEqual(comparisons.map(\.meanDifference.estimate), [1, 2])
        let md = StudyReport.markdown(cells, notes: nil, svgFolder: nil, command: "deni report")
        XCTAssertTrue(md.contains("Sweep points (varied: `lr`; each point paired with Default · lr 0.0001, Default · lr 0.0005 of its own settings)"), md)
        XCTAssertTrue(md.contains("| lr | Runs | Macro-F1 (mean ± std) |"), md)
        XCTAssertTrue(md.contains("| DENI · lr 0.0005 − Default · lr 0.0005 | 3 | +2.00"), md)
    }

    func testDifferentProtocolsAreDifferentCells() throws {
        let a = try session(["Default": [80, 82]], strategies: [.standard])
        let b = try session(["Default": [70, 72]], strategies: [.standard], epochs: 20)
        let c = try session(["Default": [60, 62]], strategies: [.standard], tuning: .full)
        let cells = StudyCell.cells([a, b, c])
        XCTAssertEqual(cells.map(\.title), ["TREC, LoRA (10 epochs)", "TREC, LoRA (20 epochs)", "TREC, full fine-tuning"])
        XCTAssertEqual(cells.map(\.slug), ["trec-lora-10-epochs", "trec-lora-20-epochs", "trec-full"])
        XCTAssertTrue(cells.allSatisfy(\.duplicates.isEmpty))
        // A difference the title does not show (the split seed), alone or beside one it does: numbered instead.
        let d = try session(["Default": [75, 76]], strategies: [.standard], epochs: 20, splitSeed: 7)
        XCTAssertEqual(StudyCell.cells([b, d]).map(\.title), ["TREC, LoRA (protocol 1)", "TREC, LoRA (protocol 2)"])
        XCTAssertEqual(StudyCell.cells([a, b, d]).map(\.slug), ["trec-lora-protocol-1", "trec-lora-protocol-2", "trec-lora-protocol-3"])
    }

    func testFindingOneFollowsTheIntervals() throws {
        // Better in mean (every pair) and much less spread → confirmed.
        let better = try session(["Default": [80, 81, 82, 83, 84, 85, 86, 87], "DENI": [88, 88.2, 88.1, 88.3, 88, 88.2, 88.1, 88.3],
                                  "Ensemble": [84, 86, 83, 87, 82, 88, 85, 86]], strategies: [.standard, .deni, .ensemble])
        let good = StudyFindings.judge(StudyCell.cells([better]))[0]
        XCTAssertEqual(good.verdicts.map(\.property), ["mean", "spread"], "one cell: nothing to pool")
        XCTAssertEqual([good.verdict("mean"), good.verdict("spread")], [.confirmed, .confirmed])
        XCTAssertTrue(good.evidence[0].contains("(paired t +3.02 ["), good.evidence[0])
        XCTAssertTrue(good.evidence[0].contains("sign-flip p 0.008"), good.evidence[0])
        // Worse in every pair → not confirmed.
        let worse = try session(["Default": [80, 81, 82, 83, 84], "DENI": [70, 71, 72, 73, 74], "Ensemble": [84, 85, 86, 87, 88]],
                                strategies: [.standard, .deni, .ensemble])
        let judged = StudyFindings.judge(StudyCell.cells([worse]))[0]
        XCTAssertEqual(judged.verdict("mean"), .notConfirmed)
        XCTAssertEqual(judged.verdict("spread"), .inconclusive, "equal spread: the ratio's interval holds 1")
        XCTAssertTrue(judged.evidence[0].hasPrefix("TREC, LoRA: DENI − Ensemble = -14.00 [-14.00, -14.00] macro-F1, std ratio 1.00 ["),
                      judged.evidence[0])
        // The same with four pairs: below the minimum, no verdict either way.
        let four = try session(["Default": [80, 81, 82, 83], "DENI": [70, 71, 72, 73], "Ensemble": [84, 85, 86, 87]],
                               strategies: [.standard, .deni, .ensemble])
        let short = StudyFindings.judge(StudyCell.cells([four]))[0]
        XCTAssertEqual([short.verdict("mean"), short.verdict("spread")], [.inconclusive, .inconclusive])
        XCTAssertTrue(short.evidence[0].hasSuffix("(fewer than 5 pairs)."), short.evidence[0])
        // Three noisy pairs → inconclusive; the evidence names the cell and the numbers.
        let few = try session(["Default": [80, 81, 82], "DENI": [85, 83, 86], "Ensemble": [84, 85, 83]], strategies: [.standard, .deni, .ensemble])
        let finding = StudyFindings.judge(StudyCell.cells([few]))[0]
        XCTAssertEqual([finding.verdict("mean"), finding.verdict("spread")], [.inconclusive, .inconclusive])
        // Below 5 pairs the estimates stand alone: no interval from 10 distinct resamples.
        XCTAssertTrue(finding.evidence[0].hasPrefix("TREC, LoRA: DENI − Ensemble = +0.67 [no CI: 3 pairs] macro-F1, std ratio 1.53 [no CI: 3 pairs]"),
                      finding.evidence[0])
        // No Ensemble anywhere → not run.
        let none = try session(["Default": [80, 81], "DENI": [85, 83]], strategies: [.standard, .deni])
        let findings = StudyFindings.judge(StudyCell.cells([none]))
        XCTAssertTrue(findings.allSatisfy { $0.verdicts.allSatisfy { $0.verdict == .notRun } })
    }

    /// Two cells where DENI is below Ensemble in 9 of 10 pairs, each cell alone inconclusive on the mean: the
    /// pooled sign test and random-effects estimate across cells say what the cells cannot.
    func testPooledVerdictAcrossCells() throws {
        let lora = try session(["Default": [80, 81, 82, 83, 84], "DENI": [79.5, 80.1, 82.4, 81.0, 83.9], "Ensemble": [80.2, 80.9, 82.1, 82.6, 84.5]],
                               strategies: [.standard, .deni, .ensemble])
        let full = try session(["Default": [70, 71, 72, 73, 74], "DENI": [69.0, 70.6, 71.2, 72.1, 73.5], "Ensemble": [69.8, 71.4, 71.9, 73.0, 74.1]],
                               strategies: [.standard, .deni, .ensemble], tuning: .full)
        let finding = StudyFindings.judge(StudyCell.cells([lora, full]))[0]
        XCTAssertEqual(finding.verdicts.map(\.property), ["mean", "spread", "mean, pooled"])
        let pooled = finding.evidence.last!
        XCTAssertTrue(pooled.hasPrefix("Pooled over 2 cells: DENI above Ensemble in 1 of 10 pairs, below in 9 (sign test p 0.021)"), pooled)
        // The pooled estimate is the random-effects one over the two cells' mean differences.
        let d1 = [-0.7, -0.8, 0.3, -1.6, -0.6], d2 = [-0.8, -0.8, -0.7, -0.9, -0.6]
        let v = [d1, d2].map { let s = Statistics.summary($0).sampleStd; return s * s / 5 }
        let re = Statistics.randomEffects(means: [d1, d2].map { Statistics.summary($0).mean }, variances: v)
        XCTAssertTrue(pooled.contains("random-effects mean difference \(ResultsText.difference(re.estimate))"), pooled)
        XCTAssertEqual(finding.verdict("mean, pooled"), re.estimate.high < 0 ? .notConfirmed : .inconclusive)
    }

    func testFindingTwoComparesTheGainsOfPEFTAndFullFineTuning() throws {
        let lora = try session(["Default": [80, 81, 82, 83, 80], "DENI": [86, 87, 88, 89, 86]], strategies: [.standard, .deni])
        let full = try session(["Default": [85, 86, 87, 88, 85], "DENI": [85.5, 86.5, 87.5, 88.5, 85.5]], strategies: [.standard, .deni],
                               tuning: .full)
        let finding = StudyFindings.judge(StudyCell.cells([lora, full]))[1]
        XCTAssertEqual(finding.verdict("gain"), .confirmed)
        XCTAssertEqual(finding.evidence.count, 1)
        XCTAssertTrue(finding.evidence[0].contains("DENI − Default = +6.00"), finding.evidence[0])
        XCTAssertTrue(finding.evidence[0].contains("vs +0.50"), finding.evidence[0])
        // The other way round: full fine-tuning gains more → not confirmed.
        let flat = try session(["Default": [80, 81, 82, 83, 80], "DENI": [80, 81, 82, 83, 80.2]], strategies: [.standard, .deni])
        let big = try session(["Default": [70, 71, 72, 73, 70], "DENI": [80, 81, 82, 83, 80]], strategies: [.standard, .deni], tuning: .full)
        XCTAssertEqual(StudyFindings.judge(StudyCell.cells([flat, big]))[1].verdict("gain"), .notConfirmed)
    }

    func testMarkdownHasEveryCellTableComparisonAndPlotLink() throws {
        let a = try session(["Default": [80, 82, 84], "DENI": [85, 86, 87]], strategies: [.standard, .deni])
        let b = try session(["Default": [80, 82, 84], "Ensemble": [84, 85, 86]], strategies: [.standard, .ensemble])
        let cells = StudyCell.cells([a, b])
        let text = StudyReport.markdown(cells, notes: "Scaled down: nothing.", svgFolder: "results", command: "deni report x")
        XCTAssertTrue(text.hasPrefix("# Reproduction study: results\n\n_Generated by `deni report x`"), text)
        XCTAssertTrue(text.contains("Scaled down: nothing."))
        XCTAssertTrue(text.contains("## TREC, LoRA"))
        XCTAssertTrue(text.contains("| DENI | 3 | 0 | 86.00 ± 0.82 | 85.00 | 87.00 |"), text)
        XCTAssertTrue(text.contains("| DENI − Ensemble | 3 | +1.00 [no CI: 3 pairs] | "), text)
        XCTAssertTrue(text.contains("![TREC, LoRA: final macro-F1 per run and mean ± std](results/trec-lora.svg)"))
        let svg = SVGCounter.parse(StudyReport.svg(cells[0]))
        XCTAssertEqual(svg.classes["run-dot"], 9)
        XCTAssertEqual(svg.seriesNames, ["Default", "DENI", "Ensemble"])
    }
}
