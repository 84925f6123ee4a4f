import ArgumentParser
import DeniCore
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
    @Option(help: "Model folder (default: the one setup installed).") var model: String?

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
            guard let kind = AdapterSpec.Kind(rawValue: t) else { throw ValidationError("unknown tuning '\(t)' (full, lora, ia3, unipelt)") }
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

    func engine() throws {
        let folder = ProjectPaths.model(model)
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) else {
            throw ValidationError("no model at \(folder.path): \(ProjectPaths.modelHowTo)")
        }
        let (backends, python) = (try gemmBackends(), try referencePython(pytorch, venv: ".venv-ref", option: "--pytorch"))
        let adaptersPython = try referencePython(adapters, venv: ".venv-adapters", option: "--adapters")
        Threads.set(threads)
        let config = try BertConfig.load(folder.appendingPathComponent("config.json"))
        var rows: [EngineBenchmark.Row] = []
        for backend in backends {
            GEMM.backend = backend
            let sgemm = EngineBenchmark.sgemmRate(seconds: quick ? 0.5 : 1.5)
            if !json { print(String(format: "sgemm 400×1536×384 (%@): %.1f GFLOP/s (%d threads)", backend.name as NSString, sgemm, threads)) }
            for t in tuning.split(separator: ",").map(String.init) {
                guard let kind = AdapterSpec.Kind(rawValue: t) else { throw ValidationError("unknown tuning '\(t)' (full, lora, ia3, unipelt)") }
                var a = AdapterSpec(kind: kind)
                a.loraRank = 64; a.loraAlpha = 64
                let spec = ModelSpec(config: config, adapter: a, numLabels: 6, pooling: .mean, headDropout: 0.3)
                let base = try ModelWeights.load(folder: folder, spec: spec, initStream: Seeds(all: 1).stream(.initialization))
                for (kind, b, l) in [("train", 8, 50), ("train", 32, 64), ("eval", 64, 50)] {
                    let row = EngineBenchmark.measure(base: base, kind: kind, batch: b, length: l, sgemm: sgemm,
                                                      minSteps: quick ? 2 : 5, seconds: quick ? 1.5 : 5)
                    rows.append(row)
                    if !json { print(Self.describe(row)) }
                }
            }
        }
        // PyTorch + peft covers full, LoRA and IA3; UniPELT runs in the `adapters` library's own venv.
        let tunings = tuning.split(separator: ",").map(String.init)
        var references: [(python: String, tuning: String)] = []
        if let python, !tunings.filter({ $0 != "unipelt" }).isEmpty {
            references.append((python, tunings.filter { $0 != "unipelt" }.joined(separator: ",")))
        }
        if let adaptersPython, tunings.contains("unipelt") { references.append((adaptersPython, "unipelt")) }
        for reference in references {
            if !json { print("running the same shapes in PyTorch (\(reference.python), \(reference.tuning))…") }
            let ref = try Self.runPyTorch(reference.python, quick: quick, tuning: reference.tuning)
            for i in rows.indices {
                if let p = ref.first(where: { $0.tuning == rows[i].tuning && $0.kind == rows[i].kind && $0.batch == rows[i].batch && $0.length == rows[i].length }) {
                    rows[i].pytorch_examples_per_s = p.examples_per_s
                    rows[i].ratio_vs_pytorch = rows[i].examples_per_s / p.examples_per_s
                }
            }
        }
        if !json && !references.isEmpty { for r in rows { print(Self.describe(r)) } }
        if json {
            let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(rows), as: UTF8.self))
        }
    }

    static func describe(_ r: EngineBenchmark.Row) -> String {
        var s = String(format: "%-8@ %-5@ %-5@ %3d × %-3d %8.1f ex/s  %6.1f GFLOP/s  %4.0f %% of sgemm  peak %5.0f MB",
                       r.gemm as NSString, r.tuning as NSString, r.kind as NSString, r.batch, r.length, r.examples_per_s, r.gflops, 100 * r.sgemm_fraction, r.peak_rss_mb)
        if let p = r.pytorch_examples_per_s, let q = r.ratio_vs_pytorch { s += String(format: "  | PyTorch %6.1f ex/s → %.2f×", p, q) }
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

    struct PyRow: Decodable { var tuning: String; var kind: String; var batch: Int; var length: Int; var examples_per_s: Double }

    static func runPyTorch(_ python: String, quick: Bool, tuning: String) throws -> [PyRow] {
        guard let root = ProjectPaths.root else { throw ValidationError("project root not found for scripts/bench_pytorch.py") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [root.appendingPathComponent("scripts/bench_pytorch.py").path, "--json", "--tuning", tuning] + (quick ? ["--quick"] : [])
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ValidationError("scripts/bench_pytorch.py failed (exit \(p.terminationStatus))") }
        return try JSONDecoder().decode([PyRow].self, from: data)
    }
}
