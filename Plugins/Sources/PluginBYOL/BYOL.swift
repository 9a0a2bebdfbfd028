import PretextSDK

/// BYOL (Grill et al. 2020, "Bootstrap Your Own Latent", arXiv:2006.07733), as Lightly's
/// `examples/pytorch/byol.py` and its CIFAR-10 benchmark `BYOLModel`.
///
/// An online network (backbone → projection → prediction) learns to predict a target network's
/// projection of the other view; the target (backbone → projection) is an exponential moving average of
/// the online one and gets no gradient. Loss: 0.5·(NegCos(p0, z1) + NegCos(p1, z0)), minimum −1. No
/// negatives, so collapse is watched through `output_std` (Lightly's `std_of_l2_normalized` of the
/// online projections; about 1/√256 ≈ 0.06 when healthy, 0 when collapsed).
/// Defaults (the paper, Lightly's example): projection features → 4096 → 256, prediction 256 → 4096 →
/// 256 (both Linear-BN-ReLU-Linear), momentum 0.99 → 1 along a cosine per step, BYOL's asymmetric views
/// (blur 1.0 / 0.1, solarisation 0 / 0.2), SGD momentum 0.9, weight decay 5e-4, cosine schedule; LARS
/// for large batches. The CPU recipe (`templates/recipes/byol-cifar-small.yaml`) is Lightly's CIFAR
/// benchmark: heads 1024 wide, constant momentum 0.99, no blur.
public final class BYOL: Method {
    public let backbone: any Backbone
    let projection: any Head
    let prediction: any Head
    let targetBackbone: any Backbone
    let targetProjection: any Head
    let loss = NegativeCosineSimilarityLoss()
    public let views: any Transform
    public let momentumTargets: [MomentumTarget]
    public var modules: [String: Module] {
        ["backbone": backbone, "projection": projection, "prediction": prediction,
         "target_backbone": targetBackbone, "target_projection": targetProjection]
    }

    public init(_ b: MethodBuilder) throws {
        backbone = try b.makeBackbone()
        projection = try b.makeHead("byol-projection", section: "projection", inputDim: backbone.featureDim)
        prediction = try b.makeHead("byol-prediction", section: "prediction", inputDim: projection.outputDim)
        targetBackbone = try b.makeBackbone()
        targetProjection = try b.makeHead("byol-projection", section: "projection", inputDim: backbone.featureDim)
        try EMA.copy(into: targetBackbone, from: backbone)
        try EMA.copy(into: targetProjection, from: projection)
        momentumTargets = try b.momentumTargets([(backbone, targetBackbone), (projection, targetProjection)],
                                                momentum: 0.99, cosine: true)
        views = try b.makeViews("byol")
    }

    public func step(_ batch: Batch, _ context: StepContext) throws -> StepOutput {
        let (x0, x1) = (batch.views[0], batch.views[1])
        let z0 = try projection(backbone(x0)), z1 = try projection(backbone(x1))
        let p0 = try prediction(z0), p1 = try prediction(z1)
        let (t0, t1) = try noGrad { (try targetProjection(targetBackbone(x0)), try targetProjection(targetBackbone(x1))) }
        let l = try (loss([p0, t1]) + loss([p1, t0])) * 0.5
        return StepOutput(loss: l, metrics: ["output_std": try CollapseMetric.stdOfL2Normalized(z0)])
    }

    public static let defaults = """
    method:
      momentum: 0.99              # target EMA momentum on the first step
      momentum_cosine: true       # raise it to 1 along a cosine, per step (the paper; Lightly's example)
      projection:
        hidden_dim: 4096          # BYOLProjectionHead(features, 4096, 256)
        output_dim: 256
      prediction:
        hidden_dim: 4096          # BYOLPredictionHead(256, 4096, 256)
        output_dim: 256
    optimizer:
      name: sgd                   # sgd, or lars for batches of 1024+
      lr: 0.06                    # base learning rate
      momentum: 0.9
      weight_decay: 0.0005
    schedule:
      name: cosine                # per-step cosine annealing
    views:
      preset: byol                # two asymmetric views: blur 1.0 / 0.1, solarisation 0 / 0.2
    """
}

@_cdecl("pretext_plugin_abi_version")
public func pretextPluginABIVersion() -> Int32 { PluginABI.compiledVersion }

@_cdecl("pretext_plugin_register")
public func pretextPluginRegister() -> Int32 {
    PluginABI.register { registry in
        try registry.registerMethod("byol", summary: "BYOL (Grill et al. 2020): online network predicts an EMA target's projection, negative cosine",
                                    defaults: BYOL.defaults, demo: BYOL.demo) { try BYOL($0) }
    }
}
