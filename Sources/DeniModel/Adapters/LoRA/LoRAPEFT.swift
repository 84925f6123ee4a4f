import Foundation

/// LoRA's peft folder (peft 0.21.2, see PEFTFormatTests): `….query.lora_A.weight` [r, in] and `lora_B.weight`
/// [out, r]. With bias = "all" peft also saves every bias of the model (a wrapped module's as
/// `….query.base_layer.bias`) and, because the classifier's wrapper holds biases too,
/// `classifier.modules_to_save.bias` (the trained bias again) and `classifier.original_module.bias` (the untrained
/// head's bias: zeros, as transformers initialises it); on load peft takes `classifier.bias`. With "lora_only" it
/// saves the wrapped modules' biases (frozen here: they keep their pre-trained values).
extension LoRA: PEFTAdapter {
    static let peftType = "LORA"
    var peftTargets: [String] { settings.loraTargets }

    func peftTensor(_ t: TensorSpec) -> (name: String, shape: [Int])? {
        if t.role == .adapter { return ("bert." + t.name, t.shape) }
        guard t.name.hasSuffix(".bias") else { return nil }
        let module = t.name.split(separator: ".").dropLast().joined(separator: ".")
        switch settings.loraBias {
        case .none: return nil
        case .all: break
        case .loraOnly: guard wrapped.contains(module) else { return nil }
        }
        return (wrapped.contains(module) ? "bert." + module + ".base_layer.bias" : "bert." + t.name, t.shape)
    }

    func peftExtraEntries(headBias: Int, shape: [Int]) -> [PEFTFormat.Entry] {
        guard settings.loraBias == .all else { return [] }
        return [PEFTFormat.Entry(name: PEFTFormat.prefix + "classifier.modules_to_save.bias", shape: shape, source: .duplicate(headBias)),
                PEFTFormat.Entry(name: PEFTFormat.prefix + "classifier.original_module.bias", shape: shape, source: .zeros)]
    }

    func peftConfig() -> [String: Any] {
        let a = settings
        return ["r": a.loraRank, "lora_alpha": Double(a.loraAlpha),
                "lora_dropout": (Double(a.loraDropout) * 1e6).rounded() / 1e6,   // 0.1, not 0.10000000149
                "use_rslora": a.rsLoRA, "target_modules": a.loraTargets, "bias": a.loraBias.rawValue, "init_lora_weights": true,
                "use_dora": false, "lora_bias": false, "rank_pattern": [String: Any](), "alpha_pattern": [String: Any](),
                "layers_to_transform": NSNull(), "layers_pattern": NSNull()]
    }

    func checkPEFTConfig(_ c: [String: Any], file: String) throws {
        let a = settings
        func fail(_ problem: String) -> ModelError { ModelError(file, problem) }
        guard let r = c["r"] as? Int, r == a.loraRank else {
            throw fail("rank r is \(c["r"].map { "\($0)" } ?? "missing"), but this run uses --lora-rank \(a.loraRank)")
        }
        guard let alpha = (c["lora_alpha"] as? NSNumber)?.floatValue, alpha == a.loraAlpha else {
            throw fail("lora_alpha is \(c["lora_alpha"].map { "\($0)" } ?? "missing"), but this run uses \(a.loraAlpha)")
        }
        let rs = c["use_rslora"] as? Bool ?? false
        guard rs == a.rsLoRA else { throw fail("use_rslora is \(rs), but this run uses \(a.rsLoRA) (the scaling would differ)") }
        let targets = try PEFTFormat.strings(c, "target_modules", file: file)
        guard Set(targets) == Set(a.loraTargets) else {
            throw fail("target_modules are \(targets.sorted()), but this run targets \(a.loraTargets.sorted())")
        }
        let bias = c["bias"] as? String ?? "none"
        guard bias == a.loraBias.rawValue else { throw fail("bias is '\(bias)', but this run uses '\(a.loraBias.rawValue)'") }
        if c["use_dora"] as? Bool == true { throw fail("use_dora is true (DoRA is not supported)") }
        for key in ["rank_pattern", "alpha_pattern"] {
            if let p = c[key] as? [String: Any], !p.isEmpty { throw fail("\(key) is not empty (per-module ranks/alphas are not supported)") }
        }
    }
}
