import XCTest
import DeniCore
@testable import DeniModel

/// The adapter interface: every kind maps to its adapter (or none), each adapter declares its settings, tensors
/// and their initialisation, and the layout places them where the checkpoint order expects them.
final class AdapterTests: XCTestCase {
    static let tiny = BertConfig(vocabSize: 20, hiddenSize: 8, numLayers: 2, numHeads: 2, intermediateSize: 12, maxPositions: 8)

    static func spec(_ kind: AdapterSpec.Kind) -> ModelSpec {
        var a = AdapterSpec(kind: kind)
        a.loraRank = 2; a.prefixLength = 2; a.prefixHiddenSize = 4; a.reductionFactor = 2
        return ModelSpec(config: tiny, adapter: a, numLabels: 3)
    }

    func testRegistryNamesRatesAndSettings() {
        XCTAssertNil(AdapterSpec.Kind.full.adapterType)
        XCTAssertEqual(AdapterSpec.Kind.allCases.map(\.displayName), ["full fine-tuning", "LoRA", "IA3", "UniPELT"])
        XCTAssertEqual(AdapterSpec.Kind.allCases.map(\.paperLearningRate), [1e-5, 1e-4, 7.5e-3, 1e-4])
        func uses(_ k: AdapterSpec.Kind, _ s: PartialKeyPath<AdapterSpec>) -> Bool { AdapterSpec(kind: k).uses(s) }
        XCTAssertEqual(AdapterSpec.Kind.allCases.map { uses($0, \.loraRank) }, [false, true, false, true])
        XCTAssertEqual(AdapterSpec.Kind.allCases.map { uses($0, \.loraAlpha) }, [false, true, false, false])
        XCTAssertEqual(AdapterSpec.Kind.allCases.map { uses($0, \.loraDropout) }, [false, true, false, true])
        XCTAssertEqual(AdapterSpec.Kind.allCases.map { uses($0, \.prefixLength) }, [false, false, false, true])
        XCTAssertFalse(uses(.full, \.poolerTrainable))
    }

    /// New tensors (head and adapters) and only they carry an initialiser; each adapter's tensors have role
    /// adapter, train, and come right after the module (site tensors) or the layer (layer tensors) they belong to.
    func testLayoutPlacesAndInitialisesAdapterTensors() throws {
        for kind in AdapterSpec.Kind.allCases {
            let layout = try ParameterLayout(Self.spec(kind))
            XCTAssertEqual(layout.adapter == nil, kind == .full)
            for t in layout.tensors {
                XCTAssertEqual(t.initialiser != nil, t.role == .adapter || t.isHead, "\(kind) \(t.name)")
                if t.role == .adapter { XCTAssertTrue(t.trainable, t.name) }
            }
            let names = layout.tensors.map(\.name)
            func after(_ name: String) -> String? { layout.id(name).map { names[$0 + 1] } }
            switch kind {
            case .full: XCTAssertFalse(layout.tensors.contains { $0.role == .adapter })
            case .lora:
                XCTAssertEqual(after("encoder.layer.1.attention.self.query.bias"), "encoder.layer.1.attention.self.query.lora_A.weight")
                XCTAssertEqual(layout.tensors[layout.id("encoder.layer.1.attention.self.query.lora_A.weight")!].initialiser, .uniform(fanIn: 8))
                XCTAssertEqual(layout.tensors[layout.id("encoder.layer.1.attention.self.value.lora_B.weight")!].initialiser, .zeros)
                XCTAssertNil(layout.id("encoder.layer.1.attention.self.key.lora_A.weight"))
            case .ia3:
                XCTAssertEqual(after("encoder.layer.0.output.dense.bias"), "encoder.layer.0.output.dense.ia3_l")
                XCTAssertEqual(layout.tensors[layout.id("encoder.layer.0.output.dense.ia3_l")!].shape, [12])
                XCTAssertEqual(layout.tensors[layout.id("encoder.layer.0.attention.self.key.ia3_l")!].initialiser, .ones)
            case .unipelt:
                XCTAssertEqual(after("encoder.layer.0.output.LayerNorm.bias"), UniPELT.sharedPrefix + "wte.weight")
                XCTAssertEqual(after("encoder.layer.1.output.LayerNorm.bias"), UniPELT.loraPrefix(1, "query") + "lora_A")
                XCTAssertEqual(layout.tensors[layout.id(UniPELT.sharedPrefix + "control_trans.2.bias")!].initialiser, .uniform(fanIn: 4))
            }
        }
    }

    /// Linear sites get the adapter's wrapper exactly where it added tensors; UniPELT works on layers instead.
    func testModelBindsSiteAndLayerHooks() throws {
        for kind in AdapterSpec.Kind.allCases {
            let layout = try ParameterLayout(Self.spec(kind))
            let model = BertModel(layout: layout)
            let wrapped = model.sites.flatMap { $0 }.map { $0.adapter != nil }
            switch kind {
            case .full, .unipelt: XCTAssertEqual(wrapped, Array(repeating: false, count: 12))
            case .lora: XCTAssertEqual(wrapped, [true, false, true, false, false, false, true, false, true, false, false, false])
            case .ia3: XCTAssertEqual(wrapped, [false, true, true, true, false, true, false, true, true, true, false, true])
            }
            XCTAssertEqual(model.layerAdapter != nil, kind == .unipelt)
            XCTAssertEqual(model.makeWorkspace(batchSize: 2, length: 4).P, kind == .unipelt ? 2 : 0)
        }
    }
}
