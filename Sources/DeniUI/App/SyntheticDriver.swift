import Foundation
import DeniExperiments
import DeniTraining

/// An `ExperimentDriver` that trains nothing: it publishes `SyntheticExperiment` events at a steady pace,
/// honouring pause, cancel-run and cancel-all between events. For UI tests and `deni ui --demo-synthetic`.
public final class SyntheticDriver: ExperimentDriver {
    /// Wall seconds to sleep per published step event (0: as fast as possible).
    public let delayPerStep: Double
    public let stepsPerRun: Int?
    public let failing: Set<RunID>

    public init(delayPerStep: Double = 0.002, stepsPerRun: Int? = nil, failing: Set<RunID> = []) {
        self.delayPerStep = delayPerStep; self.stepsPerRun = stepsPerRun; self.failing = failing
    }

    public func run(_ config: ExperimentConfig, sink: EventSink, control: RunControl) throws {
        let synthetic = SyntheticExperiment(config: config, stepsPerRun: stepsPerRun, failing: failing)
        sink.publish(.log(level: "warning", message: "SYNTHETIC events: no model is being trained", time: 0))
        var t = 0.0
        for run in config.runIndices {
            for s in config.strategies.indices {
                let events = synthetic.runEvents(strategy: s, run: run, t0: t)
                t += Double(synthetic.stepsPerRun) * synthetic.secondsPerStep
                var lastStep = 0
                for e in events {
                    while control.isPaused && !control.isCancelled { Thread.sleep(forTimeInterval: 0.02) }
                    if control.isCancelled || control.takeRunCancellation() {
                        let id = e.runID ?? RunID(strategy: synthetic.name(config.strategies[s]), run: run)
                        sink.publish(.runEnd(id: id, status: .cancelled, metrics: nil, cost: CostCounters(), failure: nil, step: lastStep, time: t))
                        if control.isCancelled { return }
                        break
                    }
                    if case let .step(_, step, _, _, _, _) = e {
                        lastStep = step
                        if delayPerStep > 0 { Thread.sleep(forTimeInterval: delayPerStep) }
                    }
                    sink.publish(e)
                }
            }
        }
    }
}
