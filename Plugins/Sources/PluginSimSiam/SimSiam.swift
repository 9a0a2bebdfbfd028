import PretextSDK

/// SimSiam (Chen & He 2021, "Exploring Simple Siamese Representation Learning", arXiv:2011.10566), as
/// Lightly's `examples/pytorch/simsiam.py`.
///
/// Two views go through one backbone and a projector (3 × Linear-BN, the output BN without affine
/// parameters); a predictor (a bottleneck MLP) maps each projection to the other view's, whose gradient
/// is stopped: 0.5·(NegCos(p0, sg(z1)) + NegCos(p1, sg(z0))), minimum −1. No negatives and no momentum
/// encoder — the stop-gradient alone prevents collapse, watched through `output_std` (Lightly's
/// `std_of_l2_normalized` of the projections: about 1/√D when healthy, 0 when collapsed).
/// Defaults (the paper's ImageNet settings, Lightly's heads): projector 2048 → 2048 → 2048, predictor
/// 2048 → 512 → 2048, SimSiam views (MoCo v2's augmentations), SGD momentum 0.9, weight decay 1e-4,
/// cosine schedule. The CPU recipe (`templates/recipes/simsiam-cifar-small.yaml`): projector 512 → 128,
/// predictor 64 wide, as Lightly's example.
public final class SimSiam: Method {
    public let backbone: any Backbone
    let projection: any Head
    let prediction: any Head
    let loss = NegativeCosineSimilarityLoss()
    public let views: any Transform
    public var modules: [String: Module] { ["backbone": backbone, "projection": projection, "prediction": prediction] }

    public init(_ b: MethodBuilder) throws {
        backbone = try b.makeBackbone()
        projection = try b.makeHead("simsiam-projection", section: "projection", inputDim: backbone.featureDim)
        prediction = try b.makeHead("simsiam-prediction", section: "prediction", inputDim: projection.outputDim)
        views = try b.makeViews("mocov2")
    }

    public func step(_ batch: Batch, _ context: StepContext) throws -> StepOutput {
        let z0 = try projection(backbone(batch.views[0])), z1 = try projection(backbone(batch.views[1]))
        let p0 = try prediction(z0), p1 = try prediction(z1)
        let l = try (loss([p0, z1.detached()]) + loss([p1, z0.detached()])) * 0.5
        return StepOutput(loss: l, metrics: ["output_std": try CollapseMetric.stdOfL2Normalized(z0)])
    }

    public static let defaults = """
    method:
      projection:
        hidden_dim: 2048          # SimSiamProjectionHead(features, 2048, 2048)
        output_dim: 2048
      prediction:
        hidden_dim: 512           # SimSiamPredictionHead(2048, 512, 2048): the bottleneck
        output_dim: 2048          # must equal projection.output_dim
    optimizer:
      name: sgd
      lr: 0.05                    # the paper: 0.05 x batch/256
      momentum: 0.9
      weight_decay: 0.0001
    schedule:
      name: cosine                # per-step cosine annealing
    views:
      preset: mocov2              # Lightly's SimSiamTransform: MoCo v2's augmentations (jitter 0.4/0.4/0.4/0.1, blur 0.5)
    """
}

@_cdecl("pretext_plugin_abi_version")
public func pretextPluginABIVersion() -> Int32 { PluginABI.compiledVersion }

@_cdecl("pretext_plugin_register")
public func pretextPluginRegister() -> Int32 {
    PluginABI.register { registry in
        try registry.registerMethod("simsiam", summary: "SimSiam (Chen & He 2021): predictor + stop-gradient, negative cosine, no negatives",
                                    defaults: SimSiam.defaults, demo: SimSiam.demo) { try SimSiam($0) }
    }
}
