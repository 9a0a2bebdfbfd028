import PretextSDK

/// MoCo v3 (Chen, Xie, He 2021, "An Empirical Study of Training Self-Supervised Vision Transformers",
/// arXiv:2104.02057), the ViT recipe of the paper and the official `facebookresearch/moco-v3` code.
///
/// A base encoder (backbone → 3-layer projection MLP → 2-layer prediction MLP, every layer with BN, the
/// output BNs without affine) gives queries q1, q2 for two views; a momentum encoder (backbone →
/// projection, an exponential moving average of the base one, no gradient) gives keys k1, k2. The loss
/// is the `mocov3` kit loss in both directions, ctr(q1, k2) + ctr(q2, k1): InfoNCE against the other
/// view's keys of the same batch (no queue, unlike MoCo v1/v2), temperature τ, scaled by 2τ. The ViT's
/// patch projection keeps its random initialisation (`method.freeze_patch_embed`, the paper's stability
/// trick). Collapse is watched through `output_std` (Lightly's `std_of_l2_normalized` of the online
/// projections; 0 when collapsed).
///
/// Defaults (the paper's ViT settings; see `defaults` for one comment per value): τ 0.2; momentum 0.99 →
/// 1 along a half-cosine per step; projection features → 4096 → 4096 → 256, prediction 256 → 4096 → 256;
/// frozen patch projection; BYOL's asymmetric views (the paper uses BYOL's augmentations; the input size
/// follows the ViT's `backbone.image_size`); AdamW, lr 1.5e-4 × batch/256, weight decay 0.1 on every
/// parameter, warm-up then cosine. Lightly 1.6 has no MoCo v3 model, head or loss; its parts are built
/// as the official code (see `ProjectionHead.mocoV3`, `MoCoV3Loss`), and the CPU recipe's Lightly side
/// is `Tests/Fixtures/lightly_extra_methods.py --method mocov3`. Not reproduced from the official code:
/// its ViTs' fixed 2-D sine-cosine position embedding and Xavier initialisation (the backbone is the
/// registry's timm-style ViT, as Lightly's recipes use), and its momentum cosine over fractional epochs,
/// which reaches 1 only after the last step (here Lightly's `cosine_schedule`, exactly 1 on the last step).
public final class MoCoV3: Method {
    public let backbone: any Backbone
    let projection: any Head
    let prediction: any Head
    let momentumBackbone: any Backbone
    let momentumProjection: any Head
    let loss: MoCoV3Loss
    public let views: any Transform
    public let momentumTargets: [MomentumTarget]
    public var modules: [String: Module] {
        ["backbone": backbone, "projection": projection, "prediction": prediction,
         "momentum_backbone": momentumBackbone, "momentum_projection": momentumProjection]
    }

    public init(_ b: MethodBuilder) throws {
        backbone = try b.makeBackbone()
        try b.freezePatchEmbedding(of: backbone, default: true)
        projection = try b.makeHead("mocov3-projection", section: "projection", inputDim: backbone.featureDim)
        prediction = try b.makeHead("mocov3-prediction", section: "prediction", inputDim: projection.outputDim)
        guard prediction.outputDim == projection.outputDim else {
            throw ConfigError.invalidValue(path: "method.prediction.output_dim", detail: "is \(prediction.outputDim): the predictions are scored against the momentum projections, so it must equal method.projection.output_dim (\(projection.outputDim))")
        }
        momentumBackbone = try b.makeBackbone()
        momentumProjection = try b.makeHead("mocov3-projection", section: "projection", inputDim: backbone.featureDim)
        try EMA.copy(into: momentumBackbone, from: backbone)
        try EMA.copy(into: momentumProjection, from: projection)
        momentumTargets = try b.momentumTargets([(backbone, momentumBackbone), (projection, momentumProjection)],
                                                momentum: 0.99, cosine: true)
        guard let l = try b.makeLoss("mocov3") as? MoCoV3Loss else {
            throw ConfigError.invalidValue(path: "method", detail: "the registered 'mocov3' loss is not Pretext's MoCoV3Loss")
        }
        loss = l
        views = try Self.makeViews(b, backbone: backbone)
    }

    /// BYOL's two asymmetric views, sized by default to the ViT's input (`backbone.image_size`; 224 for
    /// other backbones); a ViT needs a size that is a multiple of its patch.
    static func makeViews(_ b: MethodBuilder, backbone: any Backbone) throws -> any Transform {
        guard let vit = backbone as? VisionTransformer else { return try b.makeViews("byol") }
        let size = try b.viewsConfig.int("input_size", vit.imageSize, "output side in pixels (default: the ViT's backbone.image_size)")
        guard size >= vit.patchSize, size % vit.patchSize == 0 else {
            throw ConfigError.invalidValue(path: "views.input_size", detail: "\(size) px is not a multiple of the ViT's patch size \(vit.patchSize): choose e.g. \(Swift.max(vit.patchSize, size / vit.patchSize * vit.patchSize))")
        }
        return try b.makeViews("byol", defaults: ["input_size": .int(size)])
    }

    public func step(_ batch: Batch, _ context: StepContext) throws -> StepOutput {
        guard batch.views.count == 2 else {
            throw ConfigError.invalidValue(path: "views.preset", detail: "MoCo v3 needs two views per image (preset byol), got \(batch.views.count)")
        }
        let (x1, x2) = (batch.views[0], batch.views[1])
        let z1 = try projection(backbone(x1)), z2 = try projection(backbone(x2))
        let q1 = try prediction(z1), q2 = try prediction(z2)
        let (k1, k2) = try noGrad { (try momentumProjection(momentumBackbone(x1)), try momentumProjection(momentumBackbone(x2))) }
        let l = try loss([q1, k2]) + loss([q2, k1])
        return StepOutput(loss: l, metrics: ["output_std": try CollapseMetric.stdOfL2Normalized(z1)])
    }

    public static let defaults = """
    method:
      temperature: 0.2            # tau of the contrastive loss, scaled by 2 tau (paper: 0.2 for ViTs, 1.0 for ResNet-50)
      momentum: 0.99              # momentum-encoder EMA momentum on the first step (paper 0.99 for ViTs)
      momentum_cosine: true       # raise it to 1 along a half-cosine, per step (paper; Lightly's cosine_schedule)
      freeze_patch_embed: true    # frozen random patch projection (paper); ignored by backbones without one (ResNets)
      projection:
        hidden_dim: 4096          # paper 4096
        output_dim: 256           # paper 256
        num_layers: 3             # paper: 3 for ViTs, 2 for ResNet-50
        affine_output: false      # output BN without gamma/beta (paper); true = Lightly's MoCoProjectionHead(batch_norm=True)
      prediction:
        hidden_dim: 4096          # paper 4096
        output_dim: 256           # paper 256 (= projection.output_dim)
        num_layers: 2             # paper 2
        affine_output: false      # output BN without gamma/beta (paper)
    optimizer:
      name: adamw                 # AdamW (paper, for ViTs)
      lr: 0.00001875              # paper: 1.5e-4 x batch/256, i.e. 1.875e-5 at the default batch of 32; rescale with --batch-size
      weight_decay: 0.1           # paper 0.1
      exclude_bias_and_norm: false  # the official code decays biases, norms and the ViT tokens too
    schedule:
      name: cosine                # learning rate: linear warm-up, then cosine per step (paper)
      warmup_epochs: 2            # paper 40 of 300; 2 for ~10-epoch CPU runs
    data:
      batch_size: 32              # two 224 px views through a ViT-S/16 and its momentum copy keep about 0.2 GB per image (paper: 4096 on TPUs)
    views:
      preset: byol                # BYOL's asymmetric views (paper): blur 1.0 / 0.1, solarisation 0 / 0.2, crops from 8 % of the image
    """
}

@_cdecl("pretext_plugin_abi_version")
public func pretextPluginABIVersion() -> Int32 { PluginABI.compiledVersion }

@_cdecl("pretext_plugin_register")
public func pretextPluginRegister() -> Int32 {
    PluginABI.register { registry in
        try registry.registerMethod("mocov3", summary: "MoCo v3 (Chen et al. 2021): ViT + momentum encoder, predictor, in-batch InfoNCE, frozen patch projection",
                                    defaults: MoCoV3.defaults, demo: MoCoV3.demo) { try MoCoV3($0) }
    }
}
