import PretextSDK

/// DCL and DCLW (Yeh, Hong, Hsu, Liu, Chen, LeCun 2022, "Decoupled Contrastive Learning",
/// arXiv:2110.06848), as Lightly's `DCLLoss` / `DCLWLoss` used in place of NT-Xent in a SimCLR model.
///
/// SimCLR's recipe — two augmented views, backbone, projection head (features → hidden → 128, batch-norm
/// after the hidden layer) — with the decoupled loss: the positive pair is removed from the
/// denominator, which removes NT-Xent's coupling between positive and negative gradients and makes
/// small batches work. DCLW also weights each positive by its von Mises–Fisher weight (σ 0.5).
/// Defaults as Lightly: temperature 0.1, projection 2048 → 128, SimCLR views, SGD momentum 0.9,
/// weight decay 5e-4, cosine schedule.
public final class DCL: Method {
    public let backbone: any Backbone
    let projection: any Head
    let loss: any Loss
    public let views: any Transform
    public var modules: [String: Module] { ["backbone": backbone, "projection": projection] }

    /// `weighted`: DCLW (the registered loss `dclw`), else DCL (`dcl`).
    public init(_ b: MethodBuilder, weighted: Bool) throws {
        backbone = try b.makeBackbone()
        projection = try b.makeHead("simclr-projection", section: "projection", inputDim: backbone.featureDim)
        loss = try b.makeLoss(weighted ? "dclw" : "dcl")
        views = try b.makeViews("simclr")
    }

    public func step(_ batch: Batch, _ context: StepContext) throws -> StepOutput {
        let z0 = try projection(backbone(batch.views[0]))
        let z1 = try projection(backbone(batch.views[1]))
        return StepOutput(loss: try loss([z0, z1]), metrics: ["output_std": try CollapseMetric.stdOfL2Normalized(z0)])
    }

    static func defaults(weighted: Bool) -> String {
        """
        method:
          temperature: 0.1          # tau of the decoupled loss (Lightly's default)
        \(weighted ? "  sigma: 0.5                # sigma of the von Mises-Fisher weights on the positives\n" : "")\
          projection:
            hidden_dim: 2048        # projection hidden width (0 = the backbone's feature size)
            output_dim: 128         # embedding size the loss sees
        optimizer:
          name: sgd
          lr: 0.06                  # base learning rate (as SimCLR's)
          momentum: 0.9
          weight_decay: 0.0005
        schedule:
          name: cosine              # per-step cosine annealing
          warmup_epochs: 0
        views:
          preset: simclr            # two views: crop, flip, colour jitter 0.8, grayscale 0.2, blur 0.5
        """
    }
}

@_cdecl("pretext_plugin_abi_version")
public func pretextPluginABIVersion() -> Int32 { PluginABI.compiledVersion }

@_cdecl("pretext_plugin_register")
public func pretextPluginRegister() -> Int32 {
    PluginABI.register { registry in
        try registry.registerMethod("dcl", summary: "DCL (Yeh et al. 2022): SimCLR with the decoupled contrastive loss",
                                    defaults: DCL.defaults(weighted: false), demo: DCL.demo) { try DCL($0, weighted: false) }
        try registry.registerMethod("dclw", summary: "DCLW (Yeh et al. 2022): DCL with von Mises-Fisher weighted positives",
                                    defaults: DCL.defaults(weighted: true), demo: DCL.demo) { try DCL($0, weighted: true) }
    }
}
