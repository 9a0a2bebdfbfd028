import PretextSDK

/// NNCLR (Dwibedi, Aytar, Tompson, Sermanet, Zisserman 2021, "With a Little Help from My Friends:
/// Nearest-Neighbor Contrastive Learning of Visual Representations", arXiv:2104.14548), as Lightly's
/// `examples/pytorch/nnclr.py`.
///
/// Two views go through the backbone, a projector z (3 × Linear-BN, ReLU between) and a predictor p.
/// Each projection is replaced by its nearest neighbour in a support set of past projections (a FIFO
/// queue, `MemoryBank.nearestNeighbours`), and NT-Xent contrasts that neighbour with the other view's
/// prediction: 0.5·(NTXent(nn(z0), p1) + NTXent(nn(z1), p0)). No gradient reaches the support set; the
/// second view's projections join it after the step. Defaults as Lightly: projector 2048 → 2048 → 256,
/// predictor 256 → 4096 → 256, support set of 98,304 and temperature 0.1 (the paper's; Lightly's example
/// uses 4096 and NTXentLoss's default 0.5, as the CIFAR recipe does), SimCLR views.
public final class NNCLR: Method {
    public let backbone: any Backbone
    let projection: any Head
    let prediction: any Head
    let loss: any Loss
    let supportSet: MemoryBank
    public let views: any Transform
    public var modules: [String: Module] { ["backbone": backbone, "projection": projection, "prediction": prediction] }
    /// The second view's projections of this step, for the support set after backward.
    var pending: [Tensor] = []

    public init(_ b: MethodBuilder) throws {
        backbone = try b.makeBackbone()
        projection = try b.makeHead("nnclr-projection", section: "projection", inputDim: backbone.featureDim)
        prediction = try b.makeHead("nnclr-prediction", section: "prediction", inputDim: projection.outputDim)
        loss = try b.makeLoss("ntxent")
        views = try b.makeViews("simclr")
        let size = try b.config.int("support_set_size", 98_304, "projections kept for the nearest-neighbour lookup", range: 1...16_777_216)
        supportSet = MemoryBank(size: size, dim: projection.outputDim, rng: &b.context.rng)
    }

    public func step(_ batch: Batch, _ context: StepContext) throws -> StepOutput {
        let z0 = try projection(backbone(batch.views[0])), z1 = try projection(backbone(batch.views[1]))
        let p0 = try prediction(z0), p1 = try prediction(z1)
        let nn0 = try supportSet.nearestNeighbours(of: z0), nn1 = try supportSet.nearestNeighbours(of: z1)
        pending = [z1.detached()]
        let l = try (loss([nn0, p1]) + loss([nn1, p0])) * 0.5
        return StepOutput(loss: l, metrics: ["output_std": try CollapseMetric.stdOfL2Normalized(z0)])
    }

    public func afterStep(_ context: StepContext) throws {
        for z in pending { try supportSet.enqueue(z) }
        pending = []
    }

    /// The support set, so a resumed run looks up the same neighbours.
    public func extraState() -> [String: Tensor] {
        supportSet.state(prefix: "support_set")
    }

    public func loadExtraState(_ state: [String: Tensor]) throws {
        try supportSet.load(from: state, prefix: "support_set")
    }

    public static let defaults = """
    method:
      temperature: 0.1          # NT-Xent temperature (the paper's)
      support_set_size: 98304   # past projections searched for neighbours (the paper's; Lightly's example 4096)
      projection:
        hidden_dim: 2048        # NNCLRProjectionHead(features, 2048, 256)
        output_dim: 256
      prediction:
        hidden_dim: 4096        # NNCLRPredictionHead(256, 4096, 256)
        output_dim: 256         # must equal projection.output_dim
    optimizer:
      name: sgd
      lr: 0.06
      momentum: 0.9
      weight_decay: 0.0005
    schedule:
      name: cosine              # per-step cosine annealing
      warmup_epochs: 0
    views:
      preset: simclr            # Lightly's example uses SimCLRTransform
    """
}

@_cdecl("pretext_plugin_abi_version")
public func pretextPluginABIVersion() -> Int32 { PluginABI.compiledVersion }

@_cdecl("pretext_plugin_register")
public func pretextPluginRegister() -> Int32 {
    PluginABI.register { registry in
        try registry.registerMethod("nnclr", summary: "NNCLR (Dwibedi et al. 2021): nearest neighbour from a support set, predictor, NT-Xent",
                                    defaults: NNCLR.defaults, demo: NNCLR.demo) { try NNCLR($0) }
    }
}
