import PretextSDK

/// VICReg (Bardes, Ponce, LeCun 2022, "VICReg: Variance-Invariance-Covariance Regularization for
/// Self-Supervised Learning", arXiv:2105.04906), as Lightly's `examples/pytorch/vicreg.py`.
///
/// Two views go through one backbone and an expander (Linear-BN-ReLU twice, then Linear); the loss keeps
/// the two embeddings close (invariance, MSE), every dimension's standard deviation over the batch at 1
/// or above (variance hinge) and the dimensions decorrelated (covariance). No negatives, no momentum
/// encoder, no predictor; collapse would show in `output_std`.
/// Defaults (the paper's): expander 8192 → 8192 → 8192, weights λ = μ = 25, ν = 1, ε = 1e-4; views as
/// Lightly's `VICRegTransform` (BYOL's crops and jitter with blur 0.5 and solarisation 0.1 on both
/// views); LARS with base learning rate 0.2 × batch/256 (0.1 at the default batch of 128), weight decay
/// 1e-6 excluding biases and norms, 10 warm-up epochs then cosine.
public final class VICReg: Method {
    public let backbone: any Backbone
    let projection: any Head
    let loss: any Loss
    public let views: any Transform
    public var modules: [String: Module] { ["backbone": backbone, "projection": projection] }

    public init(_ b: MethodBuilder) throws {
        backbone = try b.makeBackbone()
        projection = try b.makeHead("vicreg-projection", section: "projection", inputDim: backbone.featureDim)
        loss = try b.makeLoss("vicreg")
        views = try b.makeViews("byol")
    }

    public func step(_ batch: Batch, _ context: StepContext) throws -> StepOutput {
        let z0 = try projection(backbone(batch.views[0])), z1 = try projection(backbone(batch.views[1]))
        return StepOutput(loss: try loss([z0, z1]), metrics: ["output_std": try CollapseMetric.stdOfL2Normalized(z0)])
    }

    public static let defaults = """
    method:
      invariance_weight: 25       # λ (paper 25)
      variance_weight: 25         # μ (paper 25)
      covariance_weight: 1        # ν (paper 1)
      eps: 0.0001                 # added to the variance before the square root (paper 1e-4)
      projection:
        hidden_dim: 8192          # VICRegProjectionHead(features, 8192, 8192, num_layers=3) (paper)
        output_dim: 8192
        num_layers: 3
    optimizer:
      name: lars                  # LARS (paper)
      lr: 0.1                     # paper: 0.2 x batch/256, i.e. 0.1 at the default batch of 128
      weight_decay: 0.000001      # paper 1e-6
      exclude_bias_and_norm: true # no weight decay or LARS adaptation for biases and batch-norm parameters (paper)
    schedule:
      name: cosine
      warmup_epochs: 10           # paper 10 of 1000
    views:
      preset: byol                # Lightly's VICRegTransform: BYOL's augmentations with these probabilities
      blur_probs: [0.5, 0.5]
      solarize_probs: [0.1, 0.1]
    """
}

@_cdecl("pretext_plugin_abi_version")
public func pretextPluginABIVersion() -> Int32 { PluginABI.compiledVersion }

@_cdecl("pretext_plugin_register")
public func pretextPluginRegister() -> Int32 {
    PluginABI.register { registry in
        try registry.registerMethod("vicreg", summary: "VICReg (Bardes et al. 2022): invariance + variance + covariance regularisation of two views",
                                    defaults: VICReg.defaults, demo: VICReg.demo) { try VICReg($0) }
    }
}
