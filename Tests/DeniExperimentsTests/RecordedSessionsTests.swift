import DeniTraining
import Foundation
import XCTest
@testable import DeniExperiments

/// The sessions committed with the project (sessions/examples, the study and its follow-up), all recorded before
/// the experiment vocabulary changed, are the old-format fixtures: they must keep loading, and every recorded
/// result must re-derive to the same digits through today's derivation.
final class RecordedSessionsTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func committedSessions() -> [URL] {
        ["sessions/examples", "sessions/study", "sessions/followup"].flatMap { dir -> [URL] in
            let folder = root.appendingPathComponent(dir)
            return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
                .map { folder.appendingPathComponent($0) }
                .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent(SessionFormat.manifestFile).path) }
        }
    }

    func testEveryRecordedSummaryReDerivesToTheSameDigits() throws {
        let sessions = Self.committedSessions()
        XCTAssertGreaterThanOrEqual(sessions.count, 10, "the committed sessions are missing")
        var checked = 0
        for folder in sessions {
            let s = try SessionReader.read(folder)
            guard let summary = s.manifest.summary else { continue }
            var derived = s.derivedResults()
            // Summaries recorded before the small-sample statistics existed lack them; every other digit must agree.
            for (i, row) in summary.rows.enumerated() where row.significance?.tInterval == nil && derived.rows[i].significance != nil {
                let d = derived.rows[i].significance!
                derived.rows[i].significance = PairedComparison(meanDifference: d.meanDifference, wilcoxonP: d.wilcoxonP, stdRatio: d.stdRatio, pairs: d.pairs)
            }
            XCTAssertTrue(derived.encodesIdentically(to: summary), "\(folder.lastPathComponent): re-derived results differ from the recorded summary")
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 10)
    }

    func testOldConfigsReadAsTheSameExperimentAndSurviveTheCurrentFormat() throws {
        for folder in Self.committedSessions() {
            let s = try SessionReader.read(folder)
            let url = folder.appendingPathComponent("config.json")
            let file = try JSONDecoder().decode(ExperimentConfig.self, from: try Data(contentsOf: url))
            XCTAssertEqual(file, s.config, "\(folder.lastPathComponent): config.json and the manifest disagree")
            // Read to start a new experiment (`deni run --config`), it is the same experiment (labels aside).
            XCTAssertEqual(try ExperimentConfig.load(url).strategies.map(\.identity), s.config.strategies.map(\.identity))
            let outcomes = RunOutcomes(s.events)
            for label in s.config.strategies.map(\.label) where s.status == .finished {
                XCTAssertFalse(outcomes.finished(label).isEmpty, "\(folder.lastPathComponent): no recorded run is labelled '\(label)'")
            }
            let again = try JSONDecoder().decode(ExperimentConfig.self, from: try s.config.encoded())
            XCTAssertEqual(again, s.config, "\(folder.lastPathComponent): the current format does not round-trip")
        }
    }
}
