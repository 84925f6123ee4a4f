import ArgumentParser
import DeniCore
import DeniExperiments
import DeniModel
import DeniTraining
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench",
        abstract: "Benchmarks: engine (training/eval examples/s, GFLOP/s, sgemm fraction, peak memory) or ui.",
        discussion: "With --pytorch PYTHON (or a .venv-ref/ in the project), the same shapes run in PyTorch in the same invocation and the ratio is printed.")

    @Argument(help: "engine, ui, or cores (two copies one at a time vs side by side)") var target: String = "engine"
    @Flag(help: "Machine-readable rows.") var json = false
    @Flag(help: "Fewer, shorter measurements.") var quick = false
    @Option(help: "Tuning strategies to measure (comma-separated: full,lora,ia3,unipelt).") var tuning = "full,lora,ia3,unipelt"
    @Option(help: "Python of a PyTorch venv to compare with (default: .venv-ref/bin/python when it exists; 'none' skips).") var pytorch: String?
    @Option(help: "Python of a venv with the `adapters` library for the UniPELT comparison (default: .venv-adapters/bin/python when it exists; 'none' skips).")
    var adapters: String?
    @Option(help: "Threads.") var threads = 2
    @Option(help: "GEMM backends to measure, each with its own rows (comma-separated: \(GEMMBackends.names.joined(separator: ",")); default: DENI_GEMM or onednn).")
    var gemm: String?
    @Option(help: "Precisions to measure, each with its own rows (comma-separated: fp32,bf16; default: every precision this CPU runs). bf16 rows also give their distance from fp32 and PyTorch's bf16 autocast speed.")
    var precision: String?
    @Option(help: "Model folder (default: the one setup installed).") var model: String?
    @Option(name: .customLong("data"), help: "Data folder (default: the one setup filled).") var dataDir: String?
    @Option(help: "Engine rows (comma-separated): synthetic (fixed unpadded shapes), padded (real batches of --datasets: training in the protocol's order, the test split in evaluation buckets), e2e (a whole `deni train` run on TREC against PyTorch).")
    var rows = "synthetic,padded,e2e"
    @Option(help: "Datasets whose real padded batches the padded rows run.") var datasets = "trec,sst2"

    func run() throws {
        switch target {
        case "engine": try engine()
        case "ui": try ui()
        case "cores": try cores()
        default: throw ValidationError("unknown benchmark '\(target)' (engine, ui or cores)")
        }
    }

    func ui() throws {
        let figures = uiBenchmarkFigures()
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys]), as: UTF8.self))
        } else {
            for (k, v) in figures.sorted(by: { $0.key < $1.key }) { print(String(format: "%-36@ %10.3f", k as NSString, v)) }
        }
    }

    /// Decides how independent model copies (ensemble members, DENI copies, runs) should use the cores.
    func cores() throws {
        let folder = ProjectPaths.model(model)
        Threads.set(2)
        let config = try BertConfig.load(folder.appendingPathComponent("config.json"))
        var out: [[String: Any]] = []
        for t in tuning.split(separator: ",").map(String.init) {
            guard let kind = AdapterSpec.Kind(rawValue: t) else { throw ValidationError("unknown tuning '\(t)' (\(AdapterSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")))") }
            var a = AdapterSpec(kind: kind)
            a.loraRank = 64; a.loraAlpha = 64
            let base = try ModelWeights.load(folder: folder, spec: ModelSpec(config: config, adapter: a, numLabels: 6, pooling: .mean),
                                             initStream: Seeds(all: 1).stream(.initialization))
            for (b, l) in [(8, 25), (8, 50)] {
                let r = EngineBenchmark.coreLayouts(base: base, batch: b, length: l, seconds: quick ? 2 : 5)
                out.append(["tuning": t, "batch": b, "length": l, "sequential_examples_per_s": r.sequential,
                            "parallel_examples_per_s": r.parallel, "parallel_over_sequential": r.parallel / r.sequential])
                if !json {
                    print(String(format: "%-5@ %d × %-3d one at a time (2 threads each) %6.1f ex/s   side by side (1 thread each) %6.1f ex/s   → %.2f×",
                                 t as NSString, b, l, r.sequential, r.parallel, r.parallel / r.sequential))
                }
            }
        }
        if json { print(String(decoding: try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]), as: UTF8.self)) }
    }

    /// The machine: CPU model, the instruction sets that matter, each GEMM backend's kernel and the precisions it runs.
    func machineLines(_ backends: [any GEMMBackend]) -> [String] {
        let cpu = CPUInfo.current
        let precisions = Precision.allCases.map { p in p.unsupportedReason().map { "\(p.rawValue) no (\($0))" } ?? "\(p.rawValue) yes" }
        return ["CPU: \(cpu.model) (\(cpu.vendor)) · \(cpu.features.isEmpty ? "no AVX2" : cpu.features.joined(separator: " ")) · \(threads) threads",
                "GEMM kernels: " + backends.map { "\($0.name) = \($0.kernel)" }.joined(separator: "; ")
                    + (backends.contains { $0.name == "openblas" } ? "" : "; openblas = \(OpenBLASCore.name)"),
                "Precisions: " + precisions.joined(separator: "; ")]
    }

    /// The precisions to measure: `--precision`, or every one this CPU runs. One it cannot run is refused, naming why.
    func precisions() throws -> [Precision] {
        guard let precision else { return Precision.supported() }
        return try precision.split(separator: ",").map { name in
            guard let p = Precision(rawValue: String(name)) else {
                throw ValidationError("--precision: unknown precision '\(name)' (\(Precision.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if let reason = p.unsupportedReason() { throw ValidationError(reason) }
            return p
        }
    }

    /// Minimum timed seconds of each padded row (deni and PyTorch alike).
    var seconds: Double { quick ? 1 : 4 }

    func engine() throws {
        let folder = ProjectPaths.model(model)
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) else {
            throw ValidationError("no model at \(folder.path): \(ProjectPaths.modelHowTo)")
        }
        let kinds = Set(rows.split(separator: ",").map(String.init))
        for k in kinds where !["synthetic", "padded", "e2e"].contains(k) {
            throw ValidationError("--rows: unknown row kind '\(k)' (synthetic, padded, e2e)")
        }
        let (backends, python) = (try gemmBackends(), try referencePython(pytorch, venv: ".venv-ref", option: "--pytorch"))
        let precisions = try precisions()
        let adaptersPython = try referencePython(adapters, venv: ".venv-adapters", option: "--adapters")
        let tunings = try tuning.split(separator: ",").map(String.init).map { t -> AdapterSpec.Kind in
            guard let kind = AdapterSpec.Kind(rawValue: t) else { throw ValidationError("unknown tuning '\(t)' (\(AdapterSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")))") }
            return kind
        }
        Threads.set(threads)
        let stealStart = Self.cpuTimes()
        if !json { machineLines(backends).forEach { print($0) } }
        let config = try BertConfig.load(folder.appendingPathComponent("config.json"))
        func base(_ kind: AdapterSpec.Kind, classes: Int) throws -> ModelWeights {
            var a = AdapterSpec(kind: kind)
            a.loraRank = 64; a.loraAlpha = 64
            let spec = ModelSpec(config: config, adapter: a, numLabels: classes, pooling: .mean, headDropout: 0.3)
            return try ModelWeights.load(folder: folder, spec: spec, initStream: Seeds(all: 1).stream(.initialization))
        }
        // Real batches of each dataset, built once (tokenizing is not part of the measurement).
        var workloads: [RealDataBenchmark.Workload] = [], classes: [String: Int] = [:]
        if kinds.contains("padded") {
            for d in datasets.split(separator: ",").map(String.init) {
                let (data, cfg) = try RealDataBenchmark.prepare(dataset: d, dataDirectory: ProjectPaths.data(dataDir), modelDirectory: folder)
                workloads += RealDataBenchmark.workloads(data, cfg, trainSteps: quick ? 12 : 40, evalExamples: quick ? 256 : 1200)
                classes[d] = data.classCount
            }
        }
        var rows: [EngineBenchmark.Row] = []
        // bf16 products always run through oneDNN's matmul: one pass of bf16 rows, with the first backend.
        let passes = backends.flatMap { b in precisions.filter { $0 == .fp32 || b.name == backends[0].name }.map { (b, $0) } }
        for (backend, precision) in passes {
            GEMM.backend = backend
            do { try GEMM.use(precision) } catch { throw ValidationError(error.description) }
            let sgemm = EngineBenchmark.sgemmRate(seconds: quick ? 0.5 : 1.5)
            if !json { print(String(format: "sgemm 400×1536×384 (%@): %.1f GFLOP/s (%d threads)", GEMM.products.name as NSString, sgemm, threads)) }
            /// bf16 rows carry their distance from fp32 on the row's first batch.
            func parity(_ row: inout EngineBenchmark.Row, _ b: ModelWeights, _ batch: Batch) throws {
                guard precision != .fp32 else { return }
                let r: PrecisionParity.Result
                do { r = try PrecisionParity.measure(b, batch, precision: precision) } catch { throw ValidationError(error.description) }
                (row.rel_l2_logits, row.rel_l2_gradients) = (r.logits, r.gradients)
            }
            for kind in tunings {
                if kinds.contains("synthetic") {
                    let b = try base(kind, classes: 6)
                    for (k, n, l) in [("train", 8, 50), ("train", 32, 64), ("eval", 64, 50)] {
                        var row = EngineBenchmark.measure(base: b, kind: k, batch: n, length: l, sgemm: sgemm,
                                                          minSteps: quick ? 2 : 5, seconds: quick ? 1.5 : 5)
                        try parity(&row, b, EngineBenchmark.randomBatch(b, batch: n, length: l))
                        rows.append(row)
                        if !json { print(Self.describe(row)) }
                    }
                }
                for w in workloads {
                    let b = try base(kind, classes: classes[w.data] ?? 2)
                    // At least one pass over the batches and `seconds`, as scripts/bench_pytorch.py --batches times them.
                    var row = EngineBenchmark.measure(base: b, kind: w.kind, data: w.data, batches: w.batches, sgemm: sgemm,
                                                      warmup: w.kind == "train" ? 3 : 1, minSteps: w.kind == "train" ? w.examples.count : 1,
                                                      seconds: seconds)
                    try parity(&row, b, w.batches[0])
                    rows.append(row)
                    if !json { print(Self.describe(row)) }
                }
            }
        }
        try GEMM.use(.fp32)
        // PyTorch + peft covers full, LoRA and IA3; UniPELT runs in the `adapters` library's own venv.
        let names = tunings.map(\.rawValue)
        var references: [(python: String, tuning: [String])] = []
        if let python, names.contains(where: { $0 != "unipelt" }) { references.append((python, names.filter { $0 != "unipelt" })) }
        if let adaptersPython, names.contains("unipelt") { references.append((adaptersPython, ["unipelt"])) }
        // PyTorch in float32 for every row; under bf16 autocast too when bf16 rows ran (the `adapters` library's
        // UniPELT only in float32).
        let pyPrecisions = precisions.contains(.bf16) ? ["fp32", "bf16"] : ["fp32"]
        for reference in references {
            for pyPrecision in pyPrecisions where pyPrecision == "fp32" || reference.tuning != ["unipelt"] {
                if !json { print("running the same workloads in PyTorch \(pyPrecision) (\(reference.python), \(reference.tuning.joined(separator: ",")))…") }
                var ref: [PyRow] = []
                let common = ["--precision", pyPrecision]
                if kinds.contains("synthetic") { ref += try Self.runPyTorch(reference.python, ["--json", "--tuning", reference.tuning.joined(separator: ",")] + common + (quick ? ["--quick"] : [])) }
                if !workloads.isEmpty {
                    let file = FileManager.default.temporaryDirectory.appendingPathComponent("deni-bench-batches-\(getpid()).json")
                    try RealDataBenchmark.pytorchBatchesJSON(workloads, tunings: reference.tuning, classes: classes, threads: threads).write(to: file)
                    defer { try? FileManager.default.removeItem(at: file) }
                    ref += try Self.runPyTorch(reference.python, ["--batches", file.path, "--seconds", "\(seconds)"] + common)
                }
                for i in rows.indices {
                    guard let p = ref.first(where: { $0.tuning == rows[i].tuning && $0.kind == rows[i].kind && ($0.data ?? "random") == rows[i].data
                                                    && $0.batch == rows[i].batch && $0.length == rows[i].length }) else { continue }
                    if pyPrecision == "fp32" {
                        rows[i].pytorch_examples_per_s = p.examples_per_s
                        rows[i].ratio_vs_pytorch = rows[i].examples_per_s / p.examples_per_s
                    } else if rows[i].precision == "bf16" {
                        rows[i].pytorch_bf16_examples_per_s = p.examples_per_s
                        rows[i].ratio_vs_pytorch_bf16 = rows[i].examples_per_s / p.examples_per_s
                    }
                }
            }
        }
        if kinds.contains("e2e") {
            GEMM.backend = backends[0]
            for precision in precisions { rows.append(try endToEnd(python: python, precision: precision)) }
        }
        if !json && (!references.isEmpty || kinds.contains("e2e")) { for r in rows { print(Self.describe(r)) } }
        if !json, let s0 = stealStart, let s1 = Self.cpuTimes() {
            let busy = Double(s1.total - s0.total), steal = Double(s1.steal - s0.steal)
            print(String(format: "CPU time stolen by the hypervisor during the benchmark: %.1f %% (other tenants; figures vary with it)",
                         busy > 0 ? 100 * steal / busy : 0))
        }
        if json {
            let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(rows), as: UTF8.self))
        }
    }

    /// `deni train --dataset trec --tuning lora --pooling mean --precision P` (the paper's protocol: 911 samples,
    /// 10 epochs, the test evaluation; `--quick`: 1 epoch) timed from process start to exit, then the same protocol in
    /// PyTorch + peft on the same data and batch order (float32, and for bf16 also under bf16 autocast), also timed
    /// from process start to exit.
    func endToEnd(python: String?, precision: Precision) throws -> EngineBenchmark.Row {
        let folder = ProjectPaths.model(model), dataFolder = ProjectPaths.data(dataDir)
        var (data, config) = try RealDataBenchmark.prepare(dataset: "trec", dataDirectory: dataFolder, modelDirectory: folder)
        config.tuning.kind = .lora
        config.threads = threads
        if quick { config.epochs = 1 }
        if !json { print("end to end: deni train --dataset trec --tuning lora --pooling mean --precision \(precision.rawValue)\(quick ? " --epochs 1" : "") …") }
        var args = ["train", "--dataset", "trec", "--tuning", "lora", "--pooling", "mean", "--json", "--threads", "\(threads)",
                    "--precision", precision.rawValue, "--model", folder.path, "--data", dataFolder.path]
        if quick { args += ["--epochs", "1"] }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let (seconds, output) = try Self.timeProcess(exe, args, environment: ["DENI_GEMM": GEMM.backend.name])
        struct TrainResult: Decodable { var accuracy: Double?; var model_steps: Int }
        let result = try JSONDecoder().decode(TrainResult.self, from: output)
        let trainExamples = data.train.count * config.epochs
        try GEMM.use(precision)
        defer { try? GEMM.use(.fp32) }
        var row = EngineBenchmark.endToEndRow(tuning: "lora", data: "trec", batch: config.batchSize, length: data.maxLength,
                                              meanLength: Double(data.train.reduce(0) { $0 + $1.ids.count }) / Double(max(1, data.train.count)),
                                              examples: trainExamples, steps: result.model_steps, seconds: seconds)
        if !json { print(String(format: "  deni: %.1f s, test accuracy %.2f %%", seconds, result.accuracy ?? .nan)) }
        if let python, let root = ProjectPaths.root {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("deni-bench-e2e-\(getpid()).json")
            try RealDataBenchmark.pytorchEndToEndJSON(data, config, threads: threads).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            for pyPrecision in precision == .fp32 ? ["fp32"] : ["fp32", "bf16"] {
                if !json { print("  the same protocol in PyTorch + peft (\(pyPrecision)) …") }
                let (pySeconds, pyOut) = try Self.timeProcess(python, [root.appendingPathComponent("scripts/bench_pytorch.py").path, "--e2e", file.path,
                                                                       "--precision", pyPrecision])
                struct PyE2E: Decodable { var accuracy: Double; var train_s: Double; var eval_s: Double; var setup_s: Double }
                let py = try JSONDecoder().decode(PyE2E.self, from: pyOut)
                if pyPrecision == "fp32" {
                    row.pytorch_seconds = pySeconds
                    row.pytorch_examples_per_s = Double(trainExamples) / pySeconds
                    row.ratio_vs_pytorch = pySeconds / seconds
                } else {
                    row.pytorch_bf16_examples_per_s = Double(trainExamples) / pySeconds
                    row.ratio_vs_pytorch_bf16 = pySeconds / seconds
                }
                if !json {
                    print(String(format: "  PyTorch %@: %.1f s (imports and model %.1f s, training %.1f s, evaluation %.1f s), test accuracy %.2f %%",
                                 pyPrecision as NSString, pySeconds, py.setup_s, py.train_s, py.eval_s, py.accuracy))
                }
            }
        }
        return row
    }

    /// Total and stolen CPU jiffies of the machine (/proc/stat), nil where unavailable.
    static func cpuTimes() -> (total: Int, steal: Int)? {
        guard let s = try? String(contentsOfFile: "/proc/stat", encoding: .utf8), let line = s.split(separator: "\n").first,
              line.hasPrefix("cpu ") else { return nil }
        let v = line.split(separator: " ").dropFirst().compactMap { Int($0) }
        guard v.count >= 8 else { return nil }
        return (v.reduce(0, +), v[7])
    }

    /// Runs a program to completion; returns its wall time from launch to exit and its standard output.
    static func timeProcess(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (Double, Data) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        let start = Date()
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        guard p.terminationStatus == 0 else {
            throw ValidationError("\(URL(fileURLWithPath: path).lastPathComponent) \(arguments.prefix(3).joined(separator: " ")) … failed (exit \(p.terminationStatus))")
        }
        return (seconds, data)
    }

    static func describe(_ r: EngineBenchmark.Row) -> String {
        if r.kind == "e2e" {
            var s = String(format: "%-11@ %-7@ %-5@ %-6@ deni train (%d steps): %.1f s", r.gemm as NSString, r.tuning as NSString, r.kind as NSString,
                           r.data as NSString, r.steps, r.seconds ?? .nan)
            if let p = r.pytorch_seconds, let q = r.ratio_vs_pytorch { s += String(format: "  | PyTorch %.1f s → %.2f×", p, q) }
            if let q = r.ratio_vs_pytorch_bf16 { s += String(format: "  | PyTorch bf16 autocast → %.2f×", q) }
            return s
        }
        let shape = r.data == "random" ? String(format: "%3d × %-3d", r.batch, r.length)
                                       : String(format: "≤%d × ≤%d, %.1f tok, %2.0f %% pad", r.batch, r.length, r.mean_length, 100 * r.padding)
        var s = String(format: "%-11@ %-7@ %-5@ %-6@ %@ %8.1f ex/s  %6.1f GFLOP/s  %4.0f %% of sgemm  peak %5.0f MB",
                       r.gemm as NSString, r.tuning as NSString, r.kind as NSString, r.data as NSString, shape as NSString,
                       r.examples_per_s, r.gflops, 100 * r.sgemm_fraction, r.peak_rss_mb)
        if let p = r.pytorch_examples_per_s, let q = r.ratio_vs_pytorch { s += String(format: "  | PyTorch %6.1f ex/s → %.2f×", p, q) }
        if let p = r.pytorch_bf16_examples_per_s, let q = r.ratio_vs_pytorch_bf16 { s += String(format: "  | bf16 autocast %6.1f ex/s → %.2f×", p, q) }
        if let l = r.rel_l2_logits, let g = r.rel_l2_gradients { s += String(format: "  | vs fp32: logits %.1e, gradients %.1e", l, g) }
        if let w = r.weight_copies_mb { s += String(format: "  | weight copies %.0f MB", w) }
        return s
    }

    func gemmBackends() throws -> [any GEMMBackend] {
        guard let gemm else { return [GEMM.backend] }
        return try gemm.split(separator: ",").map {
            guard let b = GEMMBackends.named(String($0)) else {
                throw ValidationError("--gemm: unknown backend '\($0)' (\(GEMMBackends.names.joined(separator: ", ")))")
            }
            return b
        }
    }

    /// The Python given by `option` ('none' skips), else `<project>/<venv>/bin/python` when it exists.
    func referencePython(_ given: String?, venv: String, option: String) throws -> String? {
        if let p = given {
            if p == "none" { return nil }
            guard FileManager.default.isExecutableFile(atPath: p) else {
                throw ValidationError("\(option) \(p): no executable Python there (give a venv's bin/python, or 'none' to skip)")
            }
            return p
        }
        guard let root = ProjectPaths.root else { return nil }
        let p = root.appendingPathComponent("\(venv)/bin/python").path
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }

    struct PyRow: Decodable { var tuning: String; var kind: String; var data: String?; var batch: Int; var length: Int; var examples_per_s: Double }

    static func runPyTorch(_ python: String, _ arguments: [String]) throws -> [PyRow] {
        guard let root = ProjectPaths.root else { throw ValidationError("project root not found for scripts/bench_pytorch.py") }
        let (_, data) = try timeProcess(python, [root.appendingPathComponent("scripts/bench_pytorch.py").path] + arguments)
        return try JSONDecoder().decode([PyRow].self, from: data)
    }
}
