import XCTest
import DeniCore
import DeniModel
@testable import DeniTraining

/// The bf16 weight copies stay true through every way a strategy moves the weights — optimiser steps, DENI's noise and
/// interpolation, weight and prior noise, SWA and EMA, mixout, ensemble members — for every tuning: a run whose
/// products multiply weights prepared once per forward pass (`BertModel.forward`'s hook) trains to the same bits as a
/// run that rounds every weight inside every product. A stale copy anywhere would change a loss or a prediction.
final class PreparedWeightsTrainingTests: XCTestCase {
    struct Trace: Equatable {
        var status: RunStatus
        var metrics: RunMetrics?
        var losses: [Double]
        var evaluations: [Double]
    }

    func trace(_ setup: RunSetup, _ kind: AdapterSpec.Kind, _ backend: any GEMMBackend, threads: Int = 1) throws -> Trace {
        let saved = GEMM.backend
        GEMM.backend = backend
        Threads.set(threads)
        defer { GEMM.backend = saved; Threads.set(1) }
        let base = try Tiny.base(kind)
        let rec = Recorder()
        let outcome = TrainingRun(setup: setup, model: BertModel(layout: base.layout), base: base, sink: rec, control: nil).run()
        var t = Trace(status: outcome.status, metrics: outcome.metrics, losses: [], evaluations: [])
        for e in rec.events {
            switch e {
            case let .step(_, _, _, loss, _, _): t.losses.append(loss)
            case let .evaluation(_, _, accuracy, f1, loss, _, _): t.evaluations += [accuracy, f1, loss]
            default: break
            }
        }
        return t
    }

    func testEveryStrategyAndTuningTrainsTheSameOnPreparedWeights() throws {
        let perCall = BF16EmulationBackend(base: OneDNNBackend(), preparesWeights: false)
        let prepared = BF16EmulationBackend(base: OneDNNBackend())
        var checked = 0
        for kind in AdapterSpec.Kind.allCases {
            for strategy in StrategyKind.allCases where strategy != .augment && strategy != .deniAugment {
                var setup = Tiny.setup(strategy, epochs: 2)
                setup.fullFineTuning = kind == .full
                let before = PreparedWeights.bf16Rounded.statistics.preparations
                let want = try trace(setup, kind, perCall)
                let got = try trace(setup, kind, prepared)
                let preparations = PreparedWeights.bf16Rounded.statistics.preparations - before
                XCTAssertEqual(got, want, "\(kind) \(strategy): prepared weights changed the run")
                XCTAssertFalse(want.losses.isEmpty, "\(kind) \(strategy): no steps")
                XCTAssertGreaterThan(preparations, 0, "\(kind) \(strategy): no weight was prepared")
                if want.status == .finished { checked += 1 }
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 4 * 10, "most strategy × tuning pairs finish")
    }

    /// On two threads, evaluation runs passes of the same weights at once (sharing their copies) and ensemble members
    /// train side by side: still the same bits as rounding inside every product.
    func testTwoThreadsTrainTheSameOnPreparedWeights() throws {
        let perCall = BF16EmulationBackend(base: OneDNNBackend(), preparesWeights: false)
        let prepared = BF16EmulationBackend(base: OneDNNBackend())
        for kind in [AdapterSpec.Kind.full, .lora] {
            for strategy in [StrategyKind.standard, .ensemble, .deni, .swa] {
                var setup = Tiny.setup(strategy, epochs: 2)
                setup.fullFineTuning = kind == .full
                let want = try trace(setup, kind, perCall, threads: 2)
                XCTAssertEqual(try trace(setup, kind, prepared, threads: 2), want, "\(kind) \(strategy) on 2 threads")
                XCTAssertEqual(want.status, .finished, "\(kind) \(strategy)")
            }
        }
    }

    /// Frozen weights are prepared once for the process; a full fine-tuning run's trainable ones once per forward pass
    /// (not again for the backward pass's products).
    func testFrozenWeightsArePreparedOnceAndTrainableOncePerPass() throws {
        let prepared = BF16EmulationBackend(base: OneDNNBackend())
        for kind in [AdapterSpec.Kind.lora, .full] {
            var setup = Tiny.setup(.standard, epochs: 2)
            setup.fullFineTuning = kind == .full
            let saved = GEMM.backend
            GEMM.backend = prepared
            defer { GEMM.backend = saved }
            Threads.set(1)
            let base = try Tiny.base(kind)
            let model = BertModel(layout: base.layout)
            let sites = Tiny.config.numLayers * 6
            // Warm: the frozen copies (LoRA) exist after the first run.
            _ = TrainingRun(setup: setup, model: model, base: base, sink: nil, control: nil).run()
            let before = PreparedWeights.bf16Rounded.statistics.preparations
            let rec = Recorder()
            _ = TrainingRun(setup: setup, model: model, base: base, sink: rec, control: nil).run()
            let added = PreparedWeights.bf16Rounded.statistics.preparations - before
            let steps = rec.events.filter { $0.kind == "step" }.count
            switch kind {
            case .lora: XCTAssertEqual(added, 0, "LoRA: the frozen matrices are never prepared again")
            default:
                // Each forward pass (training steps and evaluation batches) prepares each matrix once, at most.
                XCTAssertGreaterThanOrEqual(added, steps * sites, "full: every step prepares its matrices")
                XCTAssertLessThan(added, 2 * steps * sites, "full: the backward pass reuses the forward pass's copies")
            }
        }
    }

    /// `deni bench` rows say how much the weight copies hold (bf16 rows only), and going back to fp32 frees them.
    func testBenchRowsReportTheCopiesAndFP32FreesThem() throws {
        let base = try Tiny.base(.lora)
        let saved = GEMM.backend
        defer { GEMM.backend = saved }
        Threads.set(1)
        try GEMM.use(.fp32)   // no copies left by earlier tests
        let batches = [Batch(Tiny.examples(4, seed: 5))]
        GEMM.backend = BF16EmulationBackend(base: OneDNNBackend())
        let bf16 = EngineBenchmark.measure(base: base, kind: "train", data: "tiny", batches: batches, sgemm: 1, warmup: 1, minSteps: 1, seconds: 0)
        let matrices = base.layout.tensors.filter { !$0.trainable && $0.shape.count == 2 && $0.name.contains("encoder") }.reduce(0) { $0 + $1.count }
        XCTAssertEqual(try XCTUnwrap(bf16.weight_copies_mb) * 1_048_576, Double(matrices * 4), accuracy: 1,
                       "one 4-byte (emulated) copy of each frozen encoder matrix")
        GEMM.backend = OneDNNBackend()
        let fp32 = EngineBenchmark.measure(base: base, kind: "train", data: "tiny", batches: batches, sgemm: 1, warmup: 1, minSteps: 1, seconds: 0)
        XCTAssertNil(fp32.weight_copies_mb)
        GEMM.backend = saved
        try GEMM.use(.fp32)
        XCTAssertEqual(PreparedWeights.bf16Rounded.statistics.copies, 0, "fp32 frees the bf16 copies")
    }
}
