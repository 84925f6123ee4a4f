import ArgumentParser
import DeniCore
import DeniExperiments
import DeniTraining
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train",
        abstract: "One fine-tuning run; prints test accuracy and macro-F1.",
        discussion: "Defaults follow the paper's protocol: 1,000 class-balanced samples, batch 8, 10 epochs, the tuning strategy's learning rate.\n\n" + ExperimentFields.flagHelp)

    @OptionGroup var options: ExperimentOptions
    @Flag(help: "Machine-readable output.") var json = false
    @Option(name: .customLong("save"), help: "Save the fine-tuned weights as safetensors (HF names) to this file, with the class names and max length (for deni predict).") var save: String?
    @Option(name: .customLong("save-peft"), help: ArgumentHelp("Save the LoRA/IA3 adapter and classifier as a peft folder (adapter_config.json + adapter_model.safetensors).", valueName: "dir")) var savePEFT: String?
    @Option(name: .customLong("predictions"), help: ArgumentHelp("Write the test predictions to this CSV file (text, second_text when any, label, predicted).", valueName: "file")) var predictions: String?
    @Option(name: .customLong("init-peft"), help: ArgumentHelp("Start from the adapter and classifier of a peft folder (checked against the tuning settings before training).", valueName: "dir")) var initPEFT: String?

    func run() throws {
        var config = try options.experimentConfig(defaultStrategies: [.standard], defaultRuns: 1)
        try options.requireModel(config)
        if config.runs != 1, try options.parsedFlags().contains(where: { $0.0 == "runs" })
            || options.assignments.contains(where: { $0.hasPrefix("runs=") }) {
            throw ValidationError("--runs \(config.runs): train makes one run; use `deni run` for several")
        }
        config.runs = 1
        if config.strategies.count > 1 { throw ValidationError("train runs one strategy; use `deni run` for several") }
        let collector = EventCollector()
        let progress = ProgressPrinter(totalRuns: 1, batchSize: config.batchSize, quiet: json)
        let runner = ExperimentRunner(dataDirectory: options.dataURL, modelDirectory: options.modelURL(config))
        runner.saveWeights = save.map { URL(fileURLWithPath: $0) }
        runner.savePEFT = savePEFT.map { URL(fileURLWithPath: $0) }
        runner.initPEFT = initPEFT.map { URL(fileURLWithPath: $0) }
        runner.savePredictions = predictions.map { URL(fileURLWithPath: $0) }
        try runner.run(config, sink: FanOut([collector, progress]), control: RunControl())
        guard case let .runEnd(_, status, metrics, cost, failure, _, _)? = collector.all.last(where: { $0.kind == "run_end" }) else {
            throw ValidationError("the run did not finish")
        }
        if json {
            let out: [String: Any] = ["status": status.rawValue, "accuracy": metrics?.accuracy ?? NSNull(), "macro_f1": metrics?.macroF1 ?? NSNull(),
                                      "per_class_f1": metrics?.perClassF1 ?? [], "confusion": metrics?.confusion ?? [],
                                      "model_steps": cost.modelSteps, "wall_seconds": cost.wallSeconds, "failure": failure ?? NSNull()]
            print(String(decoding: try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]), as: UTF8.self))
        } else if let m = metrics {
            print(String(format: "test accuracy %.2f %%  macro-F1 %.2f  (%d model-steps, %.1f s)", m.accuracy, m.macroF1, cost.modelSteps, cost.wallSeconds))
        } else {
            print("run \(status.rawValue): \(failure ?? "")")
        }
        if status != .finished { throw ExitCode(1) }
    }
}
