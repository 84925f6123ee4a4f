import ArgumentParser
import DeniExperiments
import Foundation

/// Before `deni run` or `deni sweep` records anything: the number of runs and the estimated time on this machine
/// (`ExperimentEstimate`) on stderr, and `LongRunRule`: a long one is asked about at a terminal, or refused
/// without one unless `--yes` was given.
enum StartConfirmation {
    static func check(_ config: ExperimentConfig, sessions: URL, yes: Bool) throws {
        let estimate = ExperimentEstimate.make(config, samples: ExperimentEstimate.samples(in: sessions),
                                               machine: .current(toolVersion: SessionRecording.toolVersion, precision: config.precision))
        FileHandle.standardError.write(Data((estimate.summary + "\n").utf8))
        guard LongRunRule.needsConfirmation(estimate), !yes, let seconds = estimate.seconds else { return }
        let long = "≈ \(ExperimentEstimate.duration(seconds)), over \(Int(LongRunRule.threshold / 60)) min"
        guard isatty(STDIN_FILENO) != 0 else {
            throw ValidationError("not started: this would take \(long) and there is no terminal on stdin to ask — pass --yes to start it")
        }
        FileHandle.standardError.write(Data("This will take \(long). Start? [y/N] ".utf8))
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard answer == "y" || answer == "yes" else { throw ValidationError("not started") }
    }
}
