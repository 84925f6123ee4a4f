import DeniCore

/// One way of adapting the encoder (peft's "tuner"): the settings it reads, the tensors it adds and how they are
/// drawn, its computation and its peft folder format (`PEFTAdapter`). Each adapter lives in its own folder under
/// Adapters/ (config, site or layer hooks, peft names); `AdapterSpec.Kind.adapterType` is the one place that maps
/// a kind to its type. Full fine-tuning has no adapter.
///
/// An adapter value is built from a model spec, before any tensor exists: `ParameterLayout` asks it for its
/// tensors, then `BertModel` asks it for its hooks bound to the layout's tensor ids — a `SiteAdapter` per linear
/// module it wraps (LoRA, IA3) and/or one `LayerAdapter` (UniPELT). Hooks are dispatched once per site or layer
/// call, never inside a loop over elements.
protocol Adapter: Sendable {
    /// How reports and titles name it.
    static var displayName: String { get }
    /// The paper's learning rate for it (BERT values, METHOD.md).
    static var paperLearningRate: Double { get }
    /// The `AdapterSpec` settings it reads (forms show only these).
    static var usedSettings: [PartialKeyPath<AdapterSpec>] { get }
    /// Refuses impossible settings, naming the parameter and the valid range. Ranks and widths are bounded by
    /// `hiddenSize` (Int.max when the model is not known yet); `hidden` describes that bound in messages.
    static func validate(_ a: AdapterSpec, hiddenSize: Int, hidden: String) throws

    /// The adapter of a (validated) spec.
    init(spec: ModelSpec)

    // MARK: tensors

    /// Whether every bias of the base model trains with it (peft's LoRA bias="all").
    var trainsBaseBiases: Bool { get }
    /// Tensors it adds to linear module `module` ("encoder.layer.3.attention.self.query") of `inF` → `outF`
    /// features, placed right after the module's weight and bias.
    func siteTensors(module: String, inF: Int, outF: Int) -> [AdapterTensor]
    /// Tensors it adds to layer `layer`, placed after the layer's own tensors.
    func layerTensors(layer: Int) -> [AdapterTensor]

    // MARK: hooks

    /// Its wrapper of linear module `module` (nil: the module stays plain).
    func siteAdapter(layout: ParameterLayout, module: String, inF: Int, outF: Int) -> (any SiteAdapter)?
    /// Its hooks at attention and at each layer's output (nil: none).
    func layerAdapter(layout: ParameterLayout) -> (any LayerAdapter)?
}

extension Adapter {
    var trainsBaseBiases: Bool { false }
    func siteTensors(module: String, inF: Int, outF: Int) -> [AdapterTensor] { [] }
    func layerTensors(layer: Int) -> [AdapterTensor] { [] }
    func siteAdapter(layout: ParameterLayout, module: String, inF: Int, outF: Int) -> (any SiteAdapter)? { nil }
    func layerAdapter(layout: ParameterLayout) -> (any LayerAdapter)? { nil }
}

/// A trainable tensor an adapter adds: its name in the layout, its shape and how it is drawn.
struct AdapterTensor {
    let name: String
    let shape: [Int]
    let initialiser: TensorInit
    init(_ name: String, _ shape: [Int], _ initialiser: TensorInit) {
        self.name = name; self.shape = shape; self.initialiser = initialiser
    }
}

/// An adapter's wrapper of one linear module (peft's layer wrapper): the site's whole forward and backward,
/// built on `LinearSite`'s plain pieces (`plainForward`, `plainBackward`).
protocol SiteAdapter: Sendable {
    /// Saved activations for `rows` rows; an evaluation workspace (`forTraining` false) keeps only what forward reads.
    func makeScratch(rows: Int, forTraining: Bool) -> AnyObject
    /// y = site(x) over the layout's rows (dropout masks drawn as `RowLayout.dropoutRows` draws them).
    /// x: (R, in), y: (R, out)
    func forward(_ site: LinearSite, _ m: ModelWeights, _ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                 rows: RowLayout, scratch: AnyObject, dropout: inout RandomStream?)
    /// Backward of `forward`, with `LinearSite.backward`'s contract.
    func backward(_ site: LinearSite, _ m: ModelWeights, _ g: Gradients, dy: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
                  dx: UnsafeMutablePointer<Float>?, accumulate: Bool, rows: Int, scratch: AnyObject, tmp: UnsafeMutablePointer<Float>)
}

/// An adapter's hooks on whole layers (UniPELT). It sees padded rows (R = B·T: a workspace does not pack rows
/// while one runs), may put `prefixKeys` extra keys before each sequence's own in attention, adds to the query and
/// value projections and replaces the output LayerNorm. Forward calls, per batch: `beginForward`, then per layer
/// `attentionInputs` and `outputForward`; backward, per batch: `beginBackward`, per layer (last first)
/// `outputBackward`, `attentionBuffers` and `attentionInputsBackward`, then `endBackward`. `scratch` is what
/// `makeScratch` made.
protocol LayerAdapter: Sendable {
    /// Extra keys each layer's attention attends first (P).
    var prefixKeys: Int { get }
    /// Saved activations and scratch for B sequences of T tokens.
    func makeScratch(B: Int, T: Int, forTraining: Bool) -> AnyObject

    func beginForward(_ m: ModelWeights, _ scratch: AnyObject)
    /// After q, k, v = site(x) of layer `layer` (each (B·T, H)): may add to q and v; returns the keys and values
    /// attention reads, (B, P + T, H) with each sequence's P prefix keys first.
    func attentionInputs(_ m: ModelWeights, _ scratch: AnyObject, layer: Int, x: UnsafePointer<Float>, q: UnsafeMutablePointer<Float>,
                         k: UnsafePointer<Float>, v: UnsafeMutablePointer<Float>, B: Int, T: Int,
                         dropout: inout RandomStream?) -> (keys: UnsafePointer<Float>, values: UnsafePointer<Float>)
    /// out = the layer's output from res2 (h + a), in place of out = LN2(res2); LN2 is (lnW, lnB), its statistics
    /// of res2 go to mean2, rstd2. (B·T, H)
    func outputForward(_ m: ModelWeights, _ scratch: AnyObject, layer: Int, out: UnsafeMutablePointer<Float>, res2: UnsafePointer<Float>,
                       lnW: Int, lnB: Int, mean2: UnsafeMutablePointer<Float>, rstd2: UnsafeMutablePointer<Float>, eps: Float, B: Int, T: Int)

    func beginBackward(_ scratch: AnyObject)
    /// Backward of `outputForward`: dres2 (written) from dout; LN2's parameter gradients accumulate.
    func outputBackward(_ m: ModelWeights, _ g: Gradients, _ scratch: AnyObject, layer: Int, dres2: UnsafeMutablePointer<Float>,
                        dout: UnsafePointer<Float>, res2: UnsafePointer<Float>, lnW: Int, lnB: Int,
                        mean2: UnsafePointer<Float>, rstd2: UnsafePointer<Float>, B: Int, T: Int)
    /// The keys and values `attentionInputs` returned for layer `layer`, and where attention's backward writes
    /// their gradients (the same layout).
    func attentionBuffers(_ scratch: AnyObject, layer: Int)
        -> (keys: UnsafePointer<Float>, values: UnsafePointer<Float>, dK: UnsafeMutablePointer<Float>, dV: UnsafeMutablePointer<Float>)
    /// Backward of `attentionInputs`: reads the key and value gradients in `attentionBuffers`' layout, writes
    /// dk, dv (B·T, H) for the k and v sites; dq and dv are the sites' output gradients; dx (B·T, H)
    /// accumulates when non-nil.
    func attentionInputsBackward(_ m: ModelWeights, _ g: Gradients, _ scratch: AnyObject, layer: Int, x: UnsafePointer<Float>,
                                 dq: UnsafePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>,
                                 dx: UnsafeMutablePointer<Float>?, B: Int, T: Int)
    /// After every layer's backward.
    func endBackward(_ m: ModelWeights, _ g: Gradients, _ scratch: AnyObject)
}
