import PretextSDK

/// __NAME__: a new self-supervised method (edit this doc comment: paper, authors, arXiv id, defaults).
///
/// As generated, it is a working contrastive method in the style of SimCLR (Chen et al. 2020,
/// arXiv:2002.05709): two augmented views of each image, the backbone the user chose, a projection head,
/// and the NT-Xent loss from the kit. Replace the parts that make your method different.
/// Defaults (see `defaults` below): projection 2048 → 128, temperature 0.5, SimCLR views.
public final class __NAME__: Method {
    // 1. The networks. Everything in `modules` is saved in checkpoints; the runner's optimizer trains the
    //    parameters that require gradients (frozen momentum targets, made with `EMA.copy`, are skipped).
    public let backbone: any Backbone
    let projection: any Head
    public var modules: [String: Module] { ["backbone": backbone, "projection": projection] }

    // 2. The views: how one image becomes the inputs of `step` (a registered transform preset; the
    //    user's `views:` config section overrides its options, e.g. views.input_size: 32).
    public let views: any Transform

    // 3. The loss (shared kit losses are in the registry: `ssl-run list loss`).
    let loss: any Loss

    public init(_ b: MethodBuilder) throws {
        backbone = try b.makeBackbone()
        projection = try b.makeHead("simclr-projection", section: "projection", inputDim: backbone.featureDim)
        loss = try b.makeLoss("ntxent")
        views = try b.makeViews("simclr")
    }

    // 4. One training step: views → features → projections → loss. The runner does backward, the
    //    optimizer step, the learning-rate schedule, logging and checkpoints.
    public func step(_ batch: Batch, _ context: StepContext) throws -> StepOutput {
        let z0 = try projection(backbone(batch.views[0]))
        let z1 = try projection(backbone(batch.views[1]))
        return StepOutput(loss: try loss([z0, z1]))
    }

    // 5. Optional hooks (default: nothing). A momentum method (MoCo/BYOL/DINO style) keeps an EMA copy
    //    of its networks that the runner updates at the start of every optimizer step; uncomment to try:
    //
    //    let targetBackbone: any Backbone          // also add it to `modules` as "target_backbone"
    //    public let momentumTargets: [MomentumTarget]
    //    // in init, after the online networks exist:
    //    targetBackbone = try b.makeBackbone()
    //    try EMA.copy(into: targetBackbone, from: backbone)     // same weights, frozen
    //    momentumTargets = try b.momentumTargets([(backbone, targetBackbone)], momentum: 0.99, cosine: true)
    //    // in step: let target = try noGrad { try targetBackbone(batch.views[1]) }
    //
    //    A hyper-parameter that changes over training (a temperature, a loss weight) is a schedule the
    //    user picks by name in its own group, method.<key> (here method.tau_schedule):
    //
    //    let tau: any Schedule
    //    tau = try b.schedule("tau_schedule", default: "cosine", seeds: ["peak": .float(0.1), "final": .float(0.05)])
    //    // in step: let t = tau.value(at: context.step, of: context.totalSteps)
    //
    //    func afterStep(_ context: StepContext)  — after the optimizer step: queues, centres, anything not
    //                                              updated by gradients (losses only read such state)
    //    func extraState() / loadExtraState(_:)  — state to keep in checkpoints besides parameters

    /// Default configuration (YAML, one comment per value); `ssl-run defaults __KEY__` prints it.
    public static let defaults = """
    method:
      temperature: 0.5        # NT-Xent temperature
      projection:
        hidden_dim: 2048      # projection head hidden width
        output_dim: 128       # projection output (the loss's embedding)
    optimizer:
      name: sgd               # sgd | adamw | lars
      lr: 0.06                # base learning rate
      momentum: 0.9
      weight_decay: 0.0005
    schedule:
      name: cosine            # per-step cosine annealing
      warmup_epochs: 0
    """

    public static func register(in registry: Registry) throws {
        try registry.registerMethod("__KEY__", summary: "__NAME__ (generated from the Pretext plugin template)",
                                    defaults: defaults) { try __NAME__($0) }
    }
}
