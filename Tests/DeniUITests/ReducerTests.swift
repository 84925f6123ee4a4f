import XCTest
import DeniData
import DeniCore
import DeniExperiments
import DeniTraining
@testable import DeniUI

/// One test (or more) per `Action` case and per `Command`.
final class ReducerTests: XCTestCase {
    // MARK: actions

    func testEventsCreateTheLiveModelAndBumpRevision() {
        var s = Fixture.state()
        let r = s.revision
        _ = s.reduce(.events(Array(Fixture.events.prefix(10))))
        XCTAssertNotNil(s.live)
        XCTAssertEqual(s.live?.eventCount, 10)
        XCTAssertGreaterThan(s.revision, r)
    }

    func testTickWithoutChangesKeepsRevisionAndRescalesOncePerSecond() {
        var s = Fixture.liveState()
        let r = s.revision
        _ = s.reduce(.tick(5.5))   // less than 1 s after the last rescale at 5
        XCTAssertEqual(s.revision, r)
        XCTAssertNotNil(s.liveView.ranges)
        XCTAssertEqual(s.liveView.rangesTime, 5)
        _ = s.reduce(.events([.step(id: RunID(strategy: "Default", run: 0), step: 41, epoch: 5, loss: 50, learningRate: 0, time: 99)]))
        _ = s.reduce(.tick(5.9))
        XCTAssertLessThan(s.liveView.ranges!.loss.upperBound, 50, "no rescale within a second")
        _ = s.reduce(.tick(6.1))
        XCTAssertGreaterThanOrEqual(s.liveView.ranges!.loss.upperBound, 50)
    }

    func testResizeSetsSizeAndTooSmall() {
        var s = Fixture.state()
        _ = s.reduce(.resize(width: 20, height: 5))
        XCTAssertEqual(s.width, 20); XCTAssertEqual(s.height, 5)
        XCTAssertTrue(s.tooSmall)
        _ = s.reduce(.resize(width: -3, height: 80))
        XCTAssertEqual(s.width, 0)
    }

    func testTrainingEndedFinishedFailedAndCancelled() {
        var s = Fixture.liveState()
        _ = s.reduce(.trainingEnded(failure: nil))
        XCTAssertEqual(s.training, .finished)
        XCTAssertNil(s.overlay)

        s = Fixture.liveState()
        _ = s.reduce(.trainingEnded(failure: "out of memory"))
        XCTAssertEqual(s.training, .failed("out of memory"))
        XCTAssertEqual(s.overlay, .message(title: "Training stopped", text: "out of memory"))
        XCTAssertEqual(s.live?.logs.last?.message, "training stopped: out of memory")

        s = Fixture.liveState()
        s.training = .stopping
        _ = s.reduce(.trainingEnded(failure: nil))
        XCTAssertEqual(s.training, .cancelled)
    }

    /// Four ways a run ends: only finished runs count as done and fill their bar; failed, cancelled and interrupted
    /// runs (still running when training ended) keep the bar where they stopped and are counted apart.
    func testRunsEndFinishedFailedCancelledOrInterrupted() {
        var s = Fixture.liveState()   // 3 runs × 2 strategies of 40 steps; DENI#1 fails at step 20
        let failed = RunID(strategy: "DENI", run: 1)
        XCTAssertEqual(s.live?.runs[failed]?.state, .failed)
        XCTAssertEqual(s.live?.runs[failed]?.progress ?? 0, 0.5, accuracy: 0.03)
        XCTAssertEqual(s.live?.finishedRuns, 5)
        s.live?.config.runs = 4
        let cancelled = RunID(strategy: "Default", run: 3), interrupted = RunID(strategy: "DENI", run: 3)
        _ = s.reduce(.events([
            .runStart(id: cancelled, seeds: Seeds(), totalSteps: 40, trainExamples: 64, time: 10),
            .step(id: cancelled, step: 10, epoch: 1, loss: 1, learningRate: 0, time: 11),
            .runEnd(id: cancelled, status: .cancelled, metrics: nil, cost: CostCounters(), failure: nil, step: 10, time: 11),
            .runStart(id: interrupted, seeds: Seeds(), totalSteps: 40, trainExamples: 64, time: 12),
            .step(id: interrupted, step: 4, epoch: 1, loss: 1, learningRate: 0, time: 13),
        ]))
        XCTAssertEqual(s.live?.runs[interrupted]?.state, .running)
        _ = s.reduce(.trainingEnded(failure: nil))
        let m = try! XCTUnwrap(s.live)
        XCTAssertEqual(m.runs[cancelled]?.state, .cancelled)
        XCTAssertEqual(m.runs[cancelled]?.progress, 0.25)
        XCTAssertEqual(m.runs[interrupted]?.state, .interrupted)
        XCTAssertEqual(m.runs[interrupted]?.progress, 0.1)
        XCTAssertEqual(RunState.allCases.map { m.count($0) }, [0, 5, 1, 1, 1])
        XCTAssertEqual(m.finishedRuns, 5)
        XCTAssertLessThan(m.overallProgress, 1)
        s.width = 200
        let screen = Renderer.render(s).lines
        XCTAssertTrue(screen[0].hasSuffix("finished · 5/8 runs (1 failed · 1 cancelled · 1 interrupted) · \(Format.percent(m.overallProgress))"), screen[0])
        XCTAssertTrue(screen[1].hasPrefix(" Runs 5/8 done · 1 failed · 1 cancelled"), screen[1])
        XCTAssertEqual(screen.filter { $0.contains("DENI#3") && $0.contains("interrupted") }.count, 2, screen.joined(separator: "\n"))
        XCTAssertEqual(screen.filter { $0.contains("DENI#3 interrupted at step 4") }.count, 1, "the runs list and the log both say so")
    }

    func testSessionsListedAndFailed() {
        var s = Fixture.state()
        s.sessions.cursor = 9
        let list = try! MemoryCatalog(sessions: ["a": Fixture.session, "b": Fixture.session]).list()
        _ = s.reduce(.sessionsListed(list))
        XCTAssertEqual(s.sessions.listings.map(\.name), ["a", "b"])
        XCTAssertEqual(s.sessions.cursor, 1, "cursor clamped into the list")
        _ = s.reduce(.sessionsFailed("permission denied"))
        XCTAssertEqual(s.sessions.error, "permission denied")
    }

    func testSessionLoadedOpensReplay() {
        var s = Fixture.state()
        s.screen = .sessions
        _ = s.reduce(.sessionLoaded(name: "a", Fixture.session))
        XCTAssertEqual(s.screen, .replay)
        XCTAssertEqual(s.resultsSource, .replay)
        XCTAssertEqual(s.replay?.name, "a")
        XCTAssertEqual(s.replay?.position, 0)
    }

    func testSessionFailedShowsMessage() {
        var s = Fixture.state()
        s.sessions.loading = "x"
        _ = s.reduce(.sessionFailed(name: "x", message: "line 7: bad JSON"))
        XCTAssertNil(s.sessions.loading)
        XCTAssertEqual(s.overlay, .message(title: "Cannot open session 'x'", text: "line 7: bad JSON"))
        s.press(.char("z"))
        XCTAssertNil(s.overlay, "any key closes a message")
    }

    func testCompareLoaded() {
        var s = Fixture.state()
        s.sessions.marks = ["a"]
        var other = Fixture.session
        other.events = Array(other.events.prefix(50))
        _ = s.reduce(.compareLoaded(names: ["a", "b"], sessions: [Fixture.session, other]))
        XCTAssertEqual(s.screen, .compare)
        XCTAssertEqual(s.sessions.marks, [])
        XCTAssertEqual(s.compare?.models[0].eventCount, Fixture.events.count)
        XCTAssertEqual(s.compare?.models[1].eventCount, 50)
    }

    /// A third session: Ensemble and DENI, other seeds (no pairs with S1), other data.
    static var thirdSession: LoadedSession {
        var c = Fixture.config
        c.strategies = [StrategyConfig(kind: .ensemble), StrategyConfig(kind: .deni)]
        c.baseSeeds = Seeds(all: 7)
        c.dataset = "sst2"
        return LoadedSession(config: c, events: SyntheticExperiment(config: c, stepsPerRun: 40).allEvents(), table: nil,
                             dataset: DatasetIdentity(key: "sst2", path: "/data/sst2", filesHash: "sha256:fff", classCount: 2))
    }

    static func threeSessionCompare(width: Int = 120, height: Int = 40) -> AppState {
        var s = Fixture.state(width: width, height: height)
        var first = Fixture.session, second = Fixture.session
        first.dataset = DatasetIdentity(key: "trec", path: "/data/trec", filesHash: "sha256:abc", classCount: 6)
        second.dataset = first.dataset
        _ = s.reduce(.compareLoaded(names: ["quick", "again", "elsewhere"], sessions: [first, second, thirdSession]))
        return s
    }

    /// Three sessions: every strategy tested against S1 with the statistic named as `deni compare` names it,
    /// one style per strategy across the sessions and the other screens, and the dataset warning shown.
    func testCompareThreeSessions() throws {
        var s = Self.threeSessionCompare()
        let c = try XCTUnwrap(s.compare)
        XCTAssertEqual(c.names, ["quick", "again", "elsewhere"])
        XCTAssertEqual(c.comparison.rows.map(\.strategy), ["Default", "DENI", "Ensemble"])
        let deni = c.comparison.rows[1]
        XCTAssertEqual(deni.tests.map { $0?.kind }, ["paired", "welch"])
        XCTAssertEqual(deni.tests[0]?.statistic, "paired Δ (2 pairs)", "DENI#1 failed in both: runs 0 and 2 pair")
        XCTAssertEqual(c.comparison.warnings.count, 1)
        XCTAssertTrue(c.comparison.warnings[0].hasPrefix("S3 (elsewhere) ran on dataset 'sst2'"), c.comparison.warnings[0])
        // One style per strategy: the same slot in the comparison, in each session's own model, and on Live.
        let live = Fixture.liveState().live!
        XCTAssertEqual(c.styles.slot("DENI"), live.style("DENI"))
        XCTAssertEqual(c.styles.slot("DENI"), c.models[2].style("DENI"), "DENI is second in S1 and in S3 alike, and keeps its style")
        XCTAssertEqual(c.styles.slot("DENI"), StrategyStyles.slot(of: .deni))
        XCTAssertEqual(Set(["Default", "DENI", "Ensemble"].map(c.styles.slot)).count, 3)
        s.press(.char("j"))
        let text = Renderer.render(s).lines.joined(separator: "\n")
        XCTAssertTrue(text.contains("DENI · S2 − S1: paired Δ (2 pairs) "), text)
        XCTAssertTrue(text.contains("DENI · S3 − S1: Welch Δ "), text)
        XCTAssertTrue(text.contains("warning: S3 (elsewhere) ran on dataset 'sst2'"), text)
        XCTAssertTrue(text.contains("S3 macro-F1 (n)"), text)
        s.press(.char("G"))
        XCTAssertEqual(s.compare?.cursor, 2)
        let ensemble = Renderer.render(s).lines.joined(separator: "\n")
        XCTAssertTrue(ensemble.contains("Ensemble · S2 − S1: – (fewer than 2 finished runs on a side)"), ensemble)
    }

    func testPresetsLoadedSavedFailed() {
        var s = Fixture.state()
        var c = Fixture.config; c.runs = 7
        _ = s.reduce(.presetsLoaded([Preset(name: "mine", config: c, builtIn: false)]))
        XCTAssertEqual(s.setup.presets.map(\.name), ["paper defaults", "quick look (minutes)", "mine"])
        _ = s.reduce(.presetSaved(Preset(name: "mine", config: c, builtIn: false)))
        XCTAssertEqual(s.setup.presets.count, 3, "saving under an existing name replaces it")
        XCTAssertEqual(s.setup.presetIndex, 2)
        _ = s.reduce(.presetFailed("disk full"))
        XCTAssertEqual(s.setup.message, "could not save the preset: disk full")
    }

    func testEditAfterPresetDropsThePresetNote() {
        var s = Fixture.state()
        _ = s.setup.cycle(.preset, by: 1)
        XCTAssertEqual(s.setup.message?.hasPrefix("loaded preset"), true)
        XCTAssertNil(s.setup.cycle(.tuning, by: 1))
        XCTAssertNil(s.setup.message)
        XCTAssertEqual(s.setup.presetIndex, -1)
    }

    func testSignalWhileTrainingStopsThenExitsWithSignalCode() {
        var s = Fixture.liveState()
        XCTAssertEqual(s.reduce(.signal(15)), [.cancelAll])
        XCTAssertEqual(s.training, .stopping)
        XCTAssertNil(s.exitCode)
        _ = s.reduce(.trainingEnded(failure: nil))
        XCTAssertEqual(s.exitCode, 143)
    }

    func testSignalWhenIdleOrSecondSignalExitsAtOnce() {
        var s = Fixture.state()
        _ = s.reduce(.signal(2))
        XCTAssertEqual(s.exitCode, 130)
        s = Fixture.liveState()
        _ = s.reduce(.signal(2))
        _ = s.reduce(.signal(2))
        XCTAssertEqual(s.exitCode, 130)
    }

    // MARK: global commands

    func testHelpOverlayOpensAndAnyKeyCloses() {
        var s = Fixture.state()
        s.press(.char("?"))
        XCTAssertEqual(s.overlay, .help)
        s.press(.char("j"), .down, .pageDown)
        XCTAssertEqual(s.helpScroll, 12)
        s.press(.char("k"), .pageUp)
        XCTAssertEqual(s.helpScroll, 1)
        s.press(.char("x"))
        XCTAssertNil(s.overlay)
        XCTAssertEqual(s.setup.cursor, 0, "the key that closes the overlay does nothing else")
    }

    func testQuitWhenIdleExitsAndWhileTrainingAsks() {
        var s = Fixture.state()
        s.press(.ctrl("c"))
        XCTAssertEqual(s.exitCode, 0)

        s = Fixture.liveState()
        s.press(.ctrl("c"))
        XCTAssertEqual(s.overlay, .confirmQuit)
        s.press(.char("n"))
        XCTAssertNil(s.overlay); XCTAssertNil(s.exitCode)
        s.press(.ctrl("c"))
        XCTAssertEqual(s.press(.char("y")), [.cancelAll])
        XCTAssertTrue(s.exitAfterTraining)
        XCTAssertEqual(s.training, .stopping)
        XCTAssertNil(s.exitCode, "waits for the driver")
        _ = s.reduce(.trainingEnded(failure: nil))
        XCTAssertEqual(s.exitCode, 0)
    }

    func testBackNavigatesAndQuitsFromSetup() {
        var s = Fixture.liveState()
        s.press(.char("q"))
        XCTAssertEqual(s.screen, .setup)
        s.press(.char("4"))
        s.press(.escape)
        XCTAssertEqual(s.screen, .setup)
        s.press(.char("q"))
        XCTAssertEqual(s.overlay, .confirmQuit, "training still running")
    }

    func testThemeAsciiRedraw() {
        var s = Fixture.state()
        s.press(.char("T")); XCTAssertEqual(s.theme, .light)
        s.press(.char("T")); XCTAssertEqual(s.theme, .mono)
        s.press(.char("T")); XCTAssertEqual(s.theme, .dark)
        s.press(.char("A")); XCTAssertTrue(s.ascii)
        XCTAssertFalse(s.glyphs.unicode)
        XCTAssertEqual(s.press(.ctrl("l")), [.redraw])
    }

    func testScreenSwitching() {
        var s = Fixture.state()
        s.press(.char("2"))
        XCTAssertEqual(s.screen, .setup)
        XCTAssertEqual(s.overlay, .message(title: "Nothing is training", text: "Choose a setup and press s to start."))
        s.press(.escape)
        s.press(.char("3"))
        XCTAssertEqual(s.screen, .setup, "no results yet")
        s.press(.escape)
        XCTAssertEqual(s.press(.char("4")), [.listSessions])
        XCTAssertEqual(s.screen, .sessions)

        s = Fixture.liveState()
        s.screen = .setup
        s.press(.char("2")); XCTAssertEqual(s.screen, .live)
        s.press(.char("3")); XCTAssertEqual(s.screen, .results)
        s.press(.char("1")); XCTAssertEqual(s.screen, .setup)
    }

    // MARK: setup commands

    func testSetupMovement() {
        var s = Fixture.state()
        s.press(.char("j"), .down)
        XCTAssertEqual(s.setup.cursor, 2)
        s.press(.char("k"))
        XCTAssertEqual(s.setup.cursor, 1)
        s.press(.char("G"))
        XCTAssertEqual(s.setup.currentField, .start)
        s.press(.char("g"))
        XCTAssertEqual(s.setup.cursor, 0)
        s.press(.pageDown)
        XCTAssertEqual(s.setup.cursor, 10)
        s.press(.pageUp, .up)
        XCTAssertEqual(s.setup.cursor, 0)
    }

    func testSetupChoiceCyclingWithArrowsAndToggle() {
        var s = Fixture.state()
        s.setup.cursor = s.setup.fields.firstIndex(of: .tuning)!
        s.press(.char("l"))
        XCTAssertEqual(s.setup.config.tuning.kind, .ia3)
        XCTAssertFalse(s.setup.fields.contains(.loraRank), "LoRA fields hidden for IA3")
        s.press(.left, .left)
        XCTAssertEqual(s.setup.config.tuning.kind, .full)
        s.setup.cursor = s.setup.fields.firstIndex(of: .strategy(.swa))!
        s.press(.char(" "))
        XCTAssertEqual(s.setup.config.strategies.map(\.kind), [.standard, .swa, .deni])
        s.press(.char(" "))
        XCTAssertEqual(s.setup.config.strategies.map(\.kind), [.standard, .deni])
    }

    func testSetupEditCommitRefuseAndCancel() {
        var s = Fixture.state()
        s.setup.cursor = s.setup.fields.firstIndex(of: .runs)!
        s.press(.enter)
        XCTAssertEqual(s.setup.editing?.text, "3")
        s.press(.backspace)
        s.type("0")
        s.press(.enter)
        XCTAssertEqual(s.setup.errors[.runs], "Runs 0 is outside 1...10000")
        XCTAssertNotNil(s.setup.editing, "a refused value stays in the editor")
        XCTAssertEqual(s.setup.config.runs, 3)
        s.press(.ctrl("u"))
        s.type("12")
        s.press(.enter)
        XCTAssertNil(s.setup.editing)
        XCTAssertNil(s.setup.errors[.runs])
        XCTAssertEqual(s.setup.config.runs, 12)
        s.press(.enter); s.type("99"); s.press(.escape)
        XCTAssertNil(s.setup.editing)
        XCTAssertEqual(s.setup.config.runs, 12)
    }

    func testEditingSwallowsCommandKeys() {
        var s = Fixture.state()
        s.setup.cursor = s.setup.fields.firstIndex(of: .name)!
        s.press(.enter, .ctrl("u"))
        let effects = s.type("sq?4")
        XCTAssertEqual(effects, [])
        XCTAssertEqual(s.setup.editing?.text, "sq?4")
        XCTAssertEqual(s.screen, .setup)
        XCTAssertNil(s.overlay)
    }

    func testPastedGarbageIsFilteredAndBounded() {
        var s = Fixture.state()
        s.setup.cursor = s.setup.fields.firstIndex(of: .batchSize)!
        s.press(.enter, .ctrl("u"))
        for ch in "\u{1B}[200~\u{7}ab\u{0}c\u{FEFF}漢" { s.press(.char(ch)) }
        XCTAssertEqual(s.setup.editing?.text, "[200~abc")
        s.press(.enter)
        XCTAssertEqual(s.setup.errors[.batchSize], "'[200~abc' is not a whole number")
        s.press(.ctrl("u"))
        for _ in 0..<(EditBuffer.maxLength + 50) { s.press(.char("9")) }
        XCTAssertEqual(s.setup.editing?.text.count, EditBuffer.maxLength)
        XCTAssertEqual(s.setup.errors[.batchSize], "too long (over \(EditBuffer.maxLength) characters)")
    }

    func testStartRefusedWithReasonThenStarts() throws {
        var s = Fixture.state()
        XCTAssertEqual(s.press(.char("s")), [])
        XCTAssertEqual(s.setup.message, "cannot start: model folder: /nonexistent/model does not exist")
        XCTAssertEqual(s.screen, .setup)

        let model = try Fixture.modelFolder()
        s = AppState(width: 120, height: 40, setup: Fixture.setup(modelPath: model))
        let config = s.setup.config
        XCTAssertEqual(s.press(.char("s")), [.estimateStart(config)], "a ready form asks for the estimate first")
        let short = ExperimentEstimate(runs: 4, seconds: 30, basis: "test")
        XCTAssertEqual(s.reduce(.startEstimated(config, short)), [.startTraining(config)])
        XCTAssertEqual(s.screen, .live)
        XCTAssertEqual(s.training, .running)
        XCTAssertTrue(s.setup.message?.hasPrefix("started '\(config.name)': 4 run(s); estimated time ≈ 30 s") == true, s.setup.message ?? "")
    }

    func testStartWhileTrainingQueuesAndTheQueueRunsInOrder() throws {
        let model = try Fixture.modelFolder()
        var s = AppState(width: 120, height: 40, setup: Fixture.setup(modelPath: model))
        let first = s.setup.config
        let short = ExperimentEstimate(runs: 4, seconds: 30, basis: "test")
        s.press(.char("s"))
        s.reduce(.startEstimated(first, short))
        s.press(.char("1"))
        s.setup.config.name = "second"
        let second = s.setup.config
        XCTAssertEqual(s.press(.char("s")), [.estimateStart(second)])
        XCTAssertEqual(s.reduce(.startEstimated(second, short)), [], "queued, not started, while the first trains")
        XCTAssertEqual(s.queue, [second])
        XCTAssertEqual(s.setup.message?.hasPrefix("queued 'second' after the running experiment (1 queued)"), true, s.setup.message ?? "")
        XCTAssertEqual(s.live?.config, first)
        XCTAssertTrue(Renderer.render(s).lines.joined().contains("· 1 queued") == false, "Setup is on screen")
        s.press(.char("2"))
        XCTAssertTrue(Renderer.render(s).lines.joined().contains("1 queued"), "the Live header counts the queue")
        // The first ends: the queued one starts at once, and the log says so.
        XCTAssertEqual(s.reduce(.trainingEnded(failure: nil)), [.startTraining(second), .listSessions])
        XCTAssertEqual(s.queue, [])
        XCTAssertEqual(s.live?.config, second)
        XCTAssertEqual(s.live?.classNames, DatasetRegistry.info(second.dataset)?.classNames, "per-class rows name the classes")
        XCTAssertEqual(s.training, .running)
        XCTAssertTrue(s.live?.logs.last?.message.contains("starting queued 'second'") == true)
        XCTAssertEqual(s.reduce(.trainingEnded(failure: nil)), [], "an empty queue starts nothing")
        XCTAssertEqual(s.training, .finished)
    }

    /// The engine's CPU and memory show in the header while training, and go when it ends.
    func testEngineUsageShowsInTheHeaderWhileTraining() {
        var s = Fixture.liveState()
        _ = s.reduce(.usage(cpuPercent: 187.4, residentBytes: 812 << 20))
        XCTAssertTrue(Renderer.render(s).lines[0].contains("· cpu 187% · 812 MiB"), Renderer.render(s).lines[0])
        _ = s.reduce(.trainingEnded(failure: nil))
        XCTAssertFalse(Renderer.render(s).lines[0].contains("cpu"))
        _ = s.reduce(.usage(cpuPercent: 5, residentBytes: 1 << 20))
        XCTAssertNil(s.engineUsage, "not after training")
    }

    func testLongStartAsksAndCancelAllDropsTheQueue() throws {
        let model = try Fixture.modelFolder()
        var s = AppState(width: 120, height: 40, setup: Fixture.setup(modelPath: model))
        let config = s.setup.config
        let long = ExperimentEstimate(runs: 40, seconds: 3_600, basis: "test")
        s.press(.char("s"))
        XCTAssertEqual(s.reduce(.startEstimated(config, long)), [], "over five minutes: asks")
        XCTAssertEqual(s.overlay, .confirmStart)
        XCTAssertTrue(Renderer.render(s).lines.joined().contains("40 run(s); estimated time ≈ 1 h 00 min"))
        XCTAssertEqual(s.press(.char("n")), [])
        XCTAssertNil(s.overlay)
        XCTAssertEqual(s.screen, .setup)
        XCTAssertEqual(s.setup.message?.hasPrefix("not started"), true)
        s.press(.char("s"))
        s.reduce(.startEstimated(config, long))
        XCTAssertEqual(s.press(.char("y")), [.startTraining(config)])
        XCTAssertEqual(s.training, .running)
        // Two queued behind it; cancel all stops the experiment and drops them.
        s.press(.char("1"))
        for _ in 0..<2 { s.press(.char("s")); _ = s.reduce(.startEstimated(config, ExperimentEstimate(runs: 1, seconds: nil, basis: "none"))) }
        XCTAssertEqual(s.queue.count, 2)
        s.press(.char("2"))
        s.press(.char("C"))
        XCTAssertTrue(Renderer.render(s).lines.joined().contains("The 2 queued experiment(s) are dropped."))
        XCTAssertEqual(s.press(.char("y")), [.cancelAll])
        XCTAssertEqual(s.queue, [])
        XCTAssertEqual(s.reduce(.trainingEnded(failure: nil)), [])
        XCTAssertEqual(s.training, .cancelled)
    }

    /// A user's file: choosing it (or changing how it is read) asks for its preview; the answer shows on
    /// Setup's plan line, D opens it whole (columns, classes with counts, first rows), a stale answer is
    /// dropped and a file that cannot be read says why.
    func testOwnDataFileIsPreviewedBeforeStarting() throws {
        var s = Fixture.state(width: 120, height: 40)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("deni-ui-\(UUID().uuidString).csv")
        try Data("text,label\nhi there,yes\nno way,no\nsure thing,yes\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        s.setup.cursor = s.setup.fields.firstIndex(of: .dataset)!
        XCTAssertEqual(s.press(.char("h")), [], "no path yet: nothing to read")
        XCTAssertTrue(s.setup.datasetIsFile)
        s.setup.cursor = s.setup.fields.firstIndex(of: .datasetPath)!
        s.press(.enter, .ctrl("u"))
        for ch in file.path { s.press(.char(ch)) }
        XCTAssertEqual(s.press(.enter), [.previewData(s.setup.config)])
        XCTAssertEqual(s.setup.preview, .loading)
        let data = try DatasetRegistry.load(file.path, dataDirectory: URL(fileURLWithPath: "/nonexistent"))
        _ = s.reduce(.dataPreviewed(dataset: "/some/other.csv", .failed("stale")))
        XCTAssertEqual(s.setup.preview, .loading, "an answer for another file is dropped")
        _ = s.reduce(.dataPreviewed(dataset: file.path, .loaded(data.preview())))
        var screen = Renderer.render(s).lines.joined(separator: "\n")
        XCTAssertTrue(screen.contains("your file: 3 rows · 2 classes · text 'text' (column 0) · label 'label' (column 1) · D: preview"), screen)
        XCTAssertEqual(s.press(.char("D")), [.previewData(s.setup.config)])
        _ = s.reduce(.dataPreviewed(dataset: file.path, .loaded(data.preview())))
        XCTAssertEqual(s.overlay, .dataPreview)
        screen = Renderer.render(s).lines.joined(separator: "\n")
        for expected in ["3 rows (all 3)", "2 classes: no 1 · yes 2", "yes │ hi there", "no  │ no way"] {
            XCTAssertTrue(screen.contains(expected), "\(expected) missing:\n\(screen)")
        }
        s.press(.char("x"))
        XCTAssertNil(s.overlay)
        // Changing how the file is read reads it again; a refusal is shown with its reason.
        s.setup.cursor = s.setup.fields.firstIndex(of: .setting("data.skipBadRows"))!
        XCTAssertEqual(s.press(.char(" ")), [.previewData(s.setup.config)])
        _ = s.reduce(.dataPreviewed(dataset: file.path, .failed("\(file.path) line 3: expected 2 fields")))
        screen = Renderer.render(s).lines.joined(separator: "\n")
        XCTAssertTrue(screen.contains("cannot read the file: \(file.path) line 3"), screen)
        // Back to a registered dataset: no preview.
        s.setup.cursor = s.setup.fields.firstIndex(of: .dataset)!
        XCTAssertEqual(s.press(.char("l")), [])
        XCTAssertNil(s.setup.preview)
        s.press(.char("D"))
        XCTAssertEqual(s.setup.message, "D previews your own data file; `deni datasets` lists the registered ones")
    }

    func testStartButtonAndMissingDataset() throws {
        let model = try Fixture.modelFolder()
        var s = AppState(width: 120, height: 40, setup: Fixture.setup(modelPath: model))
        s.setup.cursor = s.setup.fields.firstIndex(of: .dataset)!
        s.press(.right)
        XCTAssertEqual(s.setup.config.dataset, "sst2")
        s.press(.char("G"), .enter)
        XCTAssertEqual(s.setup.message, "cannot start: dataset 'sst2' is not on disk: run ./scripts/setup.sh or choose another")
    }

    func testPresetCycleAndSave() {
        var s = Fixture.state()
        s.press(.char("P"))
        XCTAssertEqual(s.setup.presetIndex, 0)
        XCTAssertEqual(s.setup.config.runs, 20, "paper defaults")
        XCTAssertEqual(s.setup.config.dataset, "trec", "the dataset is kept")
        s.press(.char("P"))
        XCTAssertEqual(s.setup.config.runs, 3)
        XCTAssertEqual(s.setup.config.strategies.first { $0.kind == .deni }?.deni?.ensembleSize, 3)
        XCTAssertEqual(s.press(.char("W")), [.savePreset(Preset(name: "quick-look", config: s.setup.config, builtIn: false))])
    }

    // MARK: live commands

    func testPauseResume() {
        var s = Fixture.liveState()
        XCTAssertEqual(s.press(.char("p")), [.pause]); XCTAssertEqual(s.training, .paused)
        XCTAssertEqual(s.press(.char(" ")), [.resume]); XCTAssertEqual(s.training, .running)
        s.training = .finished
        XCTAssertEqual(s.press(.char("p")), [])
    }

    func testCancelRunAndCancelAllAskFirst() {
        var s = Fixture.liveState()
        s.press(.char("c"))
        XCTAssertEqual(s.overlay, .confirmCancelRun)
        XCTAssertEqual(s.press(.char("y")), [.cancelRun])
        XCTAssertEqual(s.training, .running)
        s.press(.char("C"))
        XCTAssertEqual(s.overlay, .confirmCancelAll)
        XCTAssertEqual(s.press(.escape), [])
        XCTAssertEqual(s.training, .running)
        s.press(.char("C"))
        XCTAssertEqual(s.press(.enter), [.cancelAll])
        XCTAssertEqual(s.training, .stopping)
        s.press(.char("C"))
        XCTAssertNil(s.overlay, "nothing left to cancel")
    }

    /// The selection follows training to each new run, until an older run is selected; G follows again.
    func testSelectionFollowsTheRunBeingTrained() {
        var s = Fixture.liveState()
        let runs = s.live!.runOrder.count
        XCTAssertEqual(s.liveView.selectedRun, runs - 1, "the newest run is selected while training")
        func start(_ run: Int) { _ = s.reduce(.events([.runStart(id: RunID(strategy: "DENI", run: run), seeds: .init(), totalSteps: 10, trainExamples: 8, time: 0)])) }
        start(100)
        XCTAssertEqual(s.liveView.selectedRun, runs, "a new run selects itself")
        s.press(.char("k"))
        start(101)
        XCTAssertEqual(s.liveView.selectedRun, runs - 1, "an older run stays selected")
        s.press(.char("G"))
        start(102)
        XCTAssertEqual(s.liveView.selectedRun, runs + 2, "G follows again")
    }

    func testRunSelectionChartModeMetricAndDrill() {
        var s = Fixture.liveState()
        let runs = s.live!.runOrder.count
        s.press(.char("g"), .char("j"), .char("j"))
        XCTAssertEqual(s.liveView.selectedRun, 2)
        s.press(.char("G"))
        XCTAssertEqual(s.liveView.selectedRun, runs - 1)
        s.press(.pageUp)
        XCTAssertEqual(s.liveView.selectedRun, max(0, runs - 11))
        s.press(.char("g"), .pageDown)
        XCTAssertEqual(s.liveView.selectedRun, min(runs - 1, 10))
        s.press(.char("m"))
        XCTAssertEqual(s.liveView.chartMode, .runs)
        s.press(.char("f"))
        XCTAssertEqual(s.liveView.metric, .accuracy)
        s.press(.char("g"), .enter)
        XCTAssertEqual(s.screen, .results)
        XCTAssertEqual(s.results.drill, .run(s.live!.runOrder[0]))
        s.press(.escape)
        XCTAssertEqual(s.results.drill, .strategy("Default"))
        s.press(.escape, .escape)
        XCTAssertEqual(s.screen, .live)
    }

    // MARK: results commands

    func testResultsSortAndDrill() {
        var s = Fixture.liveState()
        s.press(.char("3"))
        XCTAssertEqual(s.results.sort, .mean)
        let means = s.sortedRows.map(\.macroF1.mean)
        XCTAssertEqual(means, means.sorted(by: >))
        s.press(.char("S"))
        XCTAssertEqual(s.sortedRows.map(\.macroF1.mean), means.sorted())
        s.press(.char("s"))
        XCTAssertEqual(s.results.sort, .std)
        for _ in 0..<ResultsColumn.allCases.count { s.press(.char("s")) }
        XCTAssertEqual(s.results.sort, .std, "sorting cycles through every column")
        s.results.sort = .strategy; s.results.descending = false
        XCTAssertEqual(s.sortedRows.map(\.strategy), ["Default", "DENI"])
        s.press(.char("j"), .enter)
        XCTAssertEqual(s.results.drill, .strategy("DENI"))
        s.press(.char("j"), .enter)
        XCTAssertEqual(s.results.drill, .run(RunID(strategy: "DENI", run: 1)))
    }

    // MARK: sessions commands

    func testSessionsOpenMarkCompareRefresh() {
        var s = Fixture.state()
        s.press(.char("4"))
        _ = s.reduce(.sessionsListed(try! MemoryCatalog(sessions: ["a": Fixture.session, "b": Fixture.session, "c": Fixture.session]).list()))
        XCTAssertEqual(s.press(.char("r")), [.listSessions])
        s.press(.char("j"))
        XCTAssertEqual(s.press(.enter), [.loadSession("b")])
        XCTAssertEqual(s.sessions.loading, "b")
        s.press(.char("c"))
        XCTAssertEqual(s.sessions.marks, ["b"])
        s.press(.char("c"))
        XCTAssertEqual(s.sessions.marks, [], "marking the same session again unmarks it")
        s.press(.char("c"), .char("G"))
        XCTAssertEqual(s.press(.char("c")), [.loadCompare(["b", "c"])])
    }

    /// Space marks several sessions; c compares the marked ones (in marking order) and the one under the cursor.
    func testSpaceMarksSessionsAndCComparesThemAll() {
        var s = Fixture.state()
        s.press(.char("4"))
        let names = ["a", "b", "c", "d"]
        _ = s.reduce(.sessionsListed(try! MemoryCatalog(sessions: Dictionary(uniqueKeysWithValues: names.map { ($0, Fixture.session) })).list()))
        s.press(.char("j"), .char("j"), .char(" "), .char("k"), .char("k"), .char(" "), .char("j"), .char(" "), .char(" "), .char(" "))
        XCTAssertEqual(s.sessions.marks, ["c", "a", "b"], "space toggles; the order marked is S1, S2, …")
        let text = Renderer.render(s).lines.joined(separator: "\n")
        XCTAssertTrue(text.contains("marked for comparison: S1 c · S2 a · S3 b"), text)
        s.press(.char("G"))
        XCTAssertEqual(s.press(.char("c")), [.loadCompare(["c", "a", "b", "d"])])
        XCTAssertEqual(s.sessions.loading, "c + a + b + d")
        // c on a marked session compares the marked ones alone.
        var t = Fixture.state()
        t.press(.char("4"))
        _ = t.reduce(.sessionsListed(try! MemoryCatalog(sessions: Dictionary(uniqueKeysWithValues: names.map { ($0, Fixture.session) })).list()))
        t.press(.char(" "), .char("j"), .char(" "))
        XCTAssertEqual(t.press(.char("c")), [.loadCompare(["a", "b"])])
    }

    func testCompareRefusesMoreThanNineSessions() {
        var s = Fixture.state()
        s.press(.char("4"))
        let names = (0..<10).map { "s\($0)" }
        _ = s.reduce(.sessionsListed(try! MemoryCatalog(sessions: Dictionary(uniqueKeysWithValues: names.map { ($0, Fixture.session) })).list()))
        for _ in 0..<9 { s.press(.char(" "), .char("j")) }
        XCTAssertEqual(s.press(.char("c")), [])
        guard case .message(let title, let text)? = s.overlay else { return XCTFail("no message") }
        XCTAssertEqual(title, "Too many sessions")
        XCTAssertTrue(text.contains("at most 9 sessions (10 chosen)"), text)
    }

    // MARK: replay commands

    func testReplayControls() {
        var s = Fixture.state()
        _ = s.reduce(.sessionLoaded(name: "a", Fixture.session))
        let total = Fixture.events.count
        s.press(.char("+")); XCTAssertEqual(s.replay?.speed, 10)
        s.press(.char("+"), .char("=")); XCTAssertEqual(s.replay?.speed, .infinity)
        s.press(.char("-"), .char("-")); XCTAssertEqual(s.replay?.speed, 10)
        s.press(.char(".")); XCTAssertEqual(s.replay?.position, 1); XCTAssertEqual(s.replay?.paused, true)
        s.press(.char("]")); XCTAssertEqual(s.replay?.position, Int((Double(1) / Double(total) + 0.05) * Double(total) + 0.5))
        s.press(.char("[")); XCTAssertEqual(s.replay?.position, 1)
        s.press(.char("i")); XCTAssertEqual(s.replay?.position, total)
        s.press(.char(" ")); XCTAssertEqual(s.replay?.paused, false)
        s.press(.char("p")); XCTAssertEqual(s.replay?.paused, true)
        s.press(.char("m"), .char("f"))
        XCTAssertEqual(s.replayView.chartMode, .runs); XCTAssertEqual(s.replayView.metric, .accuracy)
        s.press(.char("j"), .enter)
        XCTAssertEqual(s.screen, .results)
        XCTAssertEqual(s.resultsSource, .replay)
        XCTAssertEqual(s.results.drill, .run(s.replay!.model.runOrder[1]))
    }

    func testReplayTickPlaysAtSpeed() {
        var s = Fixture.state()
        _ = s.reduce(.sessionLoaded(name: "a", Fixture.session))
        _ = s.reduce(.tick(0))
        _ = s.reduce(.tick(0.5))
        let atOne = s.replay!.position
        XCTAssertGreaterThan(atOne, 0)
        XCTAssertEqual(s.replay!.clock, 0.5, accuracy: 1e-9)
        s.press(.char("+"), .char("+"))
        _ = s.reduce(.tick(0.55))
        XCTAssertEqual(s.replay!.clock, 0.5 + 0.05 * 100, accuracy: 1e-9, "100× moves the replay clock 100 times as fast")
        XCTAssertGreaterThan(s.replay!.position, atOne * 5)
        s.press(.char(" "))
        let paused = s.replay!.position
        _ = s.reduce(.tick(1.5))
        XCTAssertEqual(s.replay!.position, paused)
    }

    func testCompareMovement() {
        var s = Fixture.state()
        _ = s.reduce(.compareLoaded(names: ["a", "b"], sessions: [Fixture.session, Fixture.session]))
        s.press(.char("j"))
        XCTAssertEqual(s.compare?.cursor, 1)
        s.press(.char("k"), .char("k"))
        XCTAssertEqual(s.compare?.cursor, 0)
        s.press(.char("q"))
        XCTAssertEqual(s.screen, .sessions)
    }
}
