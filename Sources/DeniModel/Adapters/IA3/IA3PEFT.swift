/// IA3's peft folder (peft 0.21.2 with `IA3Config(task_type="SEQ_CLS")`, its BERT defaults): vectors
/// `….key.ia3_l` [out, 1] on output-scaling sites and [1, in] on feed-forward (input-scaling) sites.
extension IA3: PEFTAdapter {
    static let peftType = "IA3"
    /// The target and feed-forward modules peft configures for BERT (`IA3.scalesInput`).
    static let targets = ["key", "value", "output.dense"]
    static let feedForward = ["output.dense"]
    var peftTargets: [String] { Self.targets }

    func peftTensor(_ t: TensorSpec) -> (name: String, shape: [Int])? {
        guard t.role == .adapter else { return nil }
        let module = String(t.name.dropLast(".ia3_l".count))
        return ("bert." + t.name, Self.scalesInput(module) == true ? [1, t.count] : [t.count, 1])
    }

    func peftConfig() -> [String: Any] {
        ["target_modules": Self.targets, "feedforward_modules": Self.feedForward, "init_ia3_weights": true]
    }

    func checkPEFTConfig(_ c: [String: Any], file: String) throws {
        let targets = try PEFTFormat.strings(c, "target_modules", file: file), ff = try PEFTFormat.strings(c, "feedforward_modules", file: file)
        guard Set(targets) == Set(Self.targets), Set(ff) == Set(Self.feedForward) else {
            throw ModelError(file, "IA3 target_modules \(targets) / feedforward_modules \(ff); only peft's BERT defaults \(Self.targets) / \(Self.feedForward) are supported")
        }
    }
}
