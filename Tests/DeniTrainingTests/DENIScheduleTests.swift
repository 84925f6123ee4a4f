import XCTest
@testable import DeniTraining

final class DENIScheduleTests: XCTestCase {
    /// The paper's T = 1,250 (1,000 samples, batch 8, 10 epochs): rounds at 375-499 and 625-749, the
    /// ensemble for the last 126 steps, 4,634 model-steps = 37 % of a 10-member Ensemble.
    func testPaperSchedule() {
        let phases = DENISchedule.phases(totalSteps: 1250, stepsPerEpoch: 125, config: DENIConfig())
        let interpolating = phases.indices.filter { phases[$0] == .interpolating }.map { $0 + 1 }
        XCTAssertEqual(interpolating, Array(375...499) + Array(625...749))
        let ensemble = phases.indices.filter { phases[$0] == .ensemble }.map { $0 + 1 }
        XCTAssertEqual(ensemble, Array(1125...1250))
        let modelSteps = phases.reduce(0) { $0 + ($1 == .single ? 1 : 10) }
        XCTAssertEqual(modelSteps, 4634)
        XCTAssertEqual(Double(modelSteps) / 12_500, 0.37, accuracy: 0.001)
    }

    func testActionsAtPaperDefaults() {
        var s = DENISchedule(totalSteps: 1250, stepsPerEpoch: 125, config: DENIConfig())
        var actions: [Int: DENISchedule.Action] = [:]
        for step in 1...1250 { if let a = s.before(step: step) { actions[step] = a }; s.after() }
        XCTAssertEqual(actions, [375: .startRound, 500: .endRound, 625: .startRound, 750: .endRound, 1125: .startEnsemble])
    }

    /// Odd T (TREC's 911 samples: 114 steps per epoch, T = 1,140): the same rules, floor boundaries.
    func testOddTotal() {
        let T = 1140, perEpoch = 114
        var s = DENISchedule(totalSteps: T, stepsPerEpoch: perEpoch, config: DENIConfig())
        var actions: [Int: DENISchedule.Action] = [:]
        for step in 1...T { if let a = s.before(step: step) { actions[step] = a }; s.after() }
        // window [342, 684): first round at 342 (since = 341 ≥ 114), ends at 456; next starts at 570, ends at 684.
        XCTAssertEqual(actions, [342: .startRound, 456: .endRound, 570: .startRound, 684: .endRound, 1026: .startEnsemble])
    }

    func testDEAndNIAlone() {
        let de = DENISchedule.phases(totalSteps: 1250, stepsPerEpoch: 125, config: DENIConfig(), interpolation: false)
        XCTAssertFalse(de.contains(.interpolating))
        XCTAssertEqual(de.reduce(0) { $0 + ($1 == .single ? 1 : 10) }, 1250 + 9 * 126)
        let ni = DENISchedule.phases(totalSteps: 1250, stepsPerEpoch: 125, config: DENIConfig(), ensemble: false)
        XCTAssertFalse(ni.contains(.ensemble))
        XCTAssertEqual(ni.reduce(0) { $0 + ($1 == .single ? 1 : 10) }, 1250 + 9 * 250)
    }

    /// A round still open when the window closes ends after its full length.
    func testRoundOutlivesWindow() {
        var c = DENIConfig()
        c.period = .steps(10); c.roundLength = .steps(30); c.interpolationStart = 0.1; c.interpolationEnd = 0.2; c.ensembleStart = 1
        let phases = DENISchedule.phases(totalSteps: 100, stepsPerEpoch: 10, config: c)
        let interp = phases.indices.filter { phases[$0] == .interpolating }.map { $0 + 1 }
        XCTAssertEqual(interp, Array(11...40))   // since = step − 1 reaches the period at step 11
    }

    func testValidationNamesParameter() {
        var c = DENIConfig(); c.ensembleSize = 0
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("Ensemble size K")) }
        c = DENIConfig(); c.interpolationEnd = 0.2
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("Interpolation end")) }
        c = DENIConfig(); c.noiseVariance = -1
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("Noise variance")) }
        c = DENIConfig(); c.ensembleStart = 1.5
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("Ensemble start")) }
        c = DENIConfig(); c.period = .steps(0)
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("Interpolation period")) }
    }
}
