import Foundation
import DeniExperiments
import DeniTraining

/// UI performance figures for `deni bench ui`: full-frame render time of the Live screen at 200 × 60 with a
/// 2-strategy × 10-run experiment of 500 steps each, and reducer throughput on the same events.
public func uiBenchmark() -> [String: Double] {
    var config = ExperimentConfig()
    config.runs = 10
    config.strategies = [StrategyConfig(kind: .standard), StrategyConfig(kind: .deni)]
    let synthetic = SyntheticExperiment(config: config, stepsPerRun: 500)
    let events = synthetic.allEvents()
    let setup = SetupState(config: config, datasets: [], defaultModelPath: "", presets: [])

    // Reducer: one action per event, as a slow driver would deliver them.
    var state = AppState(width: 200, height: 60, setup: setup)
    let t0 = TerminalApp.monotonicSeconds()
    for e in events { _ = state.reduce(.events([e])) }
    let reduceSeconds = TerminalApp.monotonicSeconds() - t0

    state.screen = .live
    _ = state.reduce(.tick(10))
    var renderMs: [Double] = []
    for mode in [ChartMode.strategies, .runs] {
        state.liveView.chartMode = mode
        _ = Renderer.render(state)   // warm-up
        let n = 20
        let r0 = TerminalApp.monotonicSeconds()
        for _ in 0..<n { _ = Renderer.render(state) }
        renderMs.append((TerminalApp.monotonicSeconds() - r0) / Double(n) * 1000)
    }
    return [
        "render_ms_200x60": renderMs[0],
        "render_ms_200x60_per_run_mode": renderMs[1],
        "reducer_events_per_s": Double(events.count) / reduceSeconds,
        "events": Double(events.count),
    ]
}
