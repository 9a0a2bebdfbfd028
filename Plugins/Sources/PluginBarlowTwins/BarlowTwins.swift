import PretextSDK

/// Barlow Twins (Zbontar, Jing, Misra, LeCun, Deny 2021, "Barlow Twins: Self-Supervised Learning via
/// Redundancy Reduction", arXiv:2103.03230), as Lightly's `examples/pytorch/barlowtwins.py`.
///
/// Two views go through one backbone and a wide projector (Linear-BN-ReLU twice, then Linear); the
/// cross-correlation of the two batch-standardised embeddings is pushed to the identity: the diagonal
/// to 1 (the views agree) and the off-diagonal to 0, weighted λ (the dimensions carry different
/// information). No negatives, no momentum encoder, no predictor; collapse would show in
/// `output_std` (about 1/√D when healthy, 0 when collapsed).
/// Defaults (the paper's): projector 8192 → 8192 → 8192, λ = 5e-3, BYOL's asymmetric views (Lightly's
/// example uses `BYOLTransform`), LARS with base learning rate 0.2 × batch/256 (0.1 at the default batch
/// of 128), weight decay 1.5e-6 excluding biases and norms, 10 warm-up epochs then cosine.
public final class BarlowTwins: Method {
    public let backbone: any Backbone
    let projection: any Head
    let loss: any Loss
    public let views: any Transform
    public var modules: [String: Module] { ["backbone": backbone, "projection": projection] }

    public init(_ b: MethodBuilder) throws {
        backbone = try b.makeBackbone()
        projection = try b.makeHead("barlow-twins-projection", section: "projection", inputDim: backbone.featureDim)
        loss = try b.makeLoss("barlow-twins")
        views = try b.makeViews("byol")
    }

    public func step(_ batch: Batch, _ context: StepContext) throws -> StepOutput {
        let z0 = try projection(backbone(batch.views[0])), z1 = try projection(backbone(batch.views[1]))
        return StepOutput(loss: try loss([z0, z1]), metrics: ["output_std": try CollapseMetric.stdOfL2Normalized(z0)])
    }

    public static let defaults = """
    method:
      lambda: 0.005               # weight of the off-diagonal (redundancy-reduction) term (paper 5e-3)
      projection:
        hidden_dim: 8192          # BarlowTwinsProjectionHead(features, 8192, 8192) (paper)
        output_dim: 8192
    optimizer:
      name: lars                  # LARS (paper)
      lr: 0.1                     # paper: 0.2 x batch/256 for the weights, i.e. 0.1 at the default batch of 128
      weight_decay: 0.0000015     # paper 1.5e-6
      exclude_bias_and_norm: true # no weight decay or LARS adaptation for biases and batch-norm parameters (paper)
    schedule:
      name: cosine
      warmup_epochs: 10           # paper 10 of 1000
    views:
      preset: byol                # Lightly's example: BYOLTransform (blur 1.0/0.1, solarize 0/0.2)
    """
}

@_cdecl("pretext_plugin_abi_version")
public func pretextPluginABIVersion() -> Int32 { PluginABI.compiledVersion }

@_cdecl("pretext_plugin_register")
public func pretextPluginRegister() -> Int32 {
    PluginABI.register { registry in
        try registry.registerMethod("barlowtwins", summary: "Barlow Twins (Zbontar et al. 2021): cross-correlation of two views' embeddings to the identity",
                                    defaults: BarlowTwins.defaults, demo: BarlowTwins.demo) { try BarlowTwins($0) }
    }
}
