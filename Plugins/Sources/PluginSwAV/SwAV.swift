import PretextSDK

/// SwAV (Caron, Misra, Mairal, Goyal, Bojanowski, Joulin 2020, "Unsupervised Learning of Visual Features
/// by Contrasting Cluster Assignments", arXiv:2006.09882), as Lightly 1.6's `examples/pytorch/swav.py`
/// and its ImageNet benchmark (`benchmarks/imagenet/resnet50/swav.py`: frozen prototypes, queue).
///
/// Every crop (H high-resolution + M low-resolution, multi-crop views `swav`) goes through the backbone
/// and the projection head on its own (batch-norm statistics per crop, as Lightly), is L2-normalised and
/// scored against K prototypes (`SwaVPrototypes`, put on the unit sphere before each step). The
/// high-resolution crops' scores become codes by Sinkhorn-Knopp (equipartition over the batch) and every
/// other crop predicts them (`swav` loss: swapped prediction, temperature 0.1). The prototypes get no
/// gradient in the first `prototypes.n_steps_frozen_prototypes` epochs (Lightly's benchmark passes the
/// epoch as the step: 1 frozen epoch). With `queue_size` > 0, one queue of past projections per
/// high-resolution crop (random unit vectors at first, as Lightly's `MemoryBankModule`) is scored and
/// appended below the batch for the Sinkhorn step once the epoch exceeds `start_queue_at_epoch`; from
/// then on each step's high-resolution projections join their queue after the step (checkpointed).
/// (Lightly's queue drops the rows past its end when a batch does not fit; this one wraps around — the
/// same when `queue_size` is a multiple of the batch size.)
///
/// Defaults as Lightly: projection 2048 → 2048 → 128, 3000 prototypes frozen for 1 epoch, temperature
/// 0.1, Sinkhorn 3 iterations at ε 0.05, queue 3840 (15 batches of 256) from epoch 16, 2 × 224 px +
/// 6 × 96 px crops; SGD with momentum 0.9 (Lightly's benchmark uses LARS at 0.6 × batch/256 with
/// warm-up; `optimizer.name: lars` selects it).
public final class SwAV: Method {
    public let backbone: any Backbone
    let projection: any Head
    let prototypes: SwaVPrototypes
    let loss: SwaVLoss
    /// One queue per high-resolution crop (empty: no queue).
    let queues: [MemoryBank]
    let startQueueAtEpoch: Int
    let highResolutionViews: Int
    public let views: any Transform
    public var modules: [String: Module] { ["backbone": backbone, "projection": projection, "prototypes": prototypes] }
    /// This step's high-resolution projections, for the queues after backward.
    var pending: [Tensor] = []

    public init(_ b: MethodBuilder) throws {
        backbone = try b.makeBackbone()
        projection = try b.makeHead("swav-projection", section: "projection", inputDim: backbone.featureDim)
        guard let p = try b.makeHead("swav-prototypes", section: "prototypes", inputDim: projection.outputDim) as? SwaVPrototypes,
              let l = try b.makeLoss("swav") as? SwaVLoss else {
            throw ConfigError.invalidValue(path: "method", detail: "the registered 'swav-prototypes' head or 'swav' loss is not Pretext's SwaVPrototypes / SwaVLoss")
        }
        prototypes = p
        loss = l
        views = try b.makeViews("swav")
        highResolutionViews = (views as? SwaVViews)?.globalViews ?? 2
        if let crops = views as? SwaVViews, crops.globalViews + crops.localViews < 2 {
            throw ConfigError.invalidValue(path: "views.local_views", detail: "SwAV predicts each high-resolution crop's codes from the other crops: with \(crops.globalViews) high-resolution crop it needs at least one low-resolution crop (or views.global_views: 2)")
        }
        loss.highResolutionViews = highResolutionViews
        let size = try b.config.int("queue_size", 3840, "past projections kept per high-resolution crop for the Sinkhorn step (0 = no queue)", range: 0...16_777_216)
        startQueueAtEpoch = try b.config.int("start_queue_at_epoch", 15, "the queue is used once the (0-based) epoch exceeds this", range: 0...1_000_000)
        queues = size == 0 ? [] : (0..<highResolutionViews).map { _ in MemoryBank(size: size, dim: p.inputDim, rng: &b.context.rng) }
    }

    public func step(_ batch: Batch, _ context: StepContext) throws -> StepOutput {
        let v = batch.views
        guard v.count >= highResolutionViews, v.count >= 2 else {
            throw ConfigError.invalidValue(path: "views", detail: "SwAV needs its \(highResolutionViews) high-resolution crops first and at least two crops in all (preset swav), got \(v.count) view(s)")
        }
        prototypes.normalize()
        let z = try v.map { try projection(backbone($0)).l2Normalized(axis: 1, eps: 1e-12) }
        let scores = try z.map { try prototypes($0, step: context.epoch) }
        let useQueue = !queues.isEmpty && context.epoch > startQueueAtEpoch
        let queueScores = useQueue ? try noGrad { try queues.map { try prototypes($0.bank, step: context.epoch) } } : nil
        pending = useQueue ? z.prefix(highResolutionViews).map { $0.detached() } : []
        let l = try loss(highResolution: Array(scores.prefix(highResolutionViews)),
                         lowResolution: Array(scores.dropFirst(highResolutionViews)), queue: queueScores)
        return StepOutput(loss: l, metrics: ["output_std": try CollapseMetric.stdOfL2Normalized(z[0]),
                                             "prototypes_frozen": prototypes.isFrozen(at: context.epoch) ? 1 : 0])
    }

    public func afterStep(_ context: StepContext) throws {
        for (queue, z) in zip(queues, pending) { try queue.enqueue(z) }
        pending = []
    }

    /// The queues, so a resumed run scores the same past projections.
    public func extraState() -> [String: Tensor] {
        queues.enumerated().reduce(into: [:]) { state, q in state.merge(q.element.state(prefix: "queue.\(q.offset)")) { $1 } }
    }

    public func loadExtraState(_ state: [String: Tensor]) throws {
        for (i, q) in queues.enumerated() { try q.load(from: state, prefix: "queue.\(i)") }
    }

    public static let defaults = """
    method:
      temperature: 0.1              # SwaVLoss(temperature=0.1): softmax temperature of the predicting crops
      sinkhorn_iterations: 3        # Sinkhorn-Knopp iterations of the codes (Lightly, paper 3)
      sinkhorn_epsilon: 0.05        # ε of exp(scores / ε) (Lightly, paper 0.05)
      queue_size: 3840              # past projections per high-resolution crop (benchmark: 15 batches x 256; 0 = none)
      start_queue_at_epoch: 15      # queue used when epoch > 15 (benchmark's current_epoch > start_queue_at_epoch)
      projection:
        hidden_dim: 2048            # SwaVProjectionHead(features, 2048, 128)
        output_dim: 128
      prototypes:
        n_prototypes: 3000          # SwaVPrototypes(128, 3000)
        n_steps_frozen_prototypes: 1  # counted in epochs, as the benchmark's step=current_epoch: fixed in the first epoch
    optimizer:
      name: sgd
      lr: 0.06
      momentum: 0.9
      weight_decay: 0.000001        # the benchmark's 1e-6
    schedule:
      name: cosine                  # per-step cosine annealing
      warmup_epochs: 0
    views:
      preset: swav                  # SwaVTransform: 2 x 224 px (scale 0.14-1) + 6 x 96 px (scale 0.05-0.14)
    """
}

@_cdecl("pretext_plugin_abi_version")
public func pretextPluginABIVersion() -> Int32 { PluginABI.compiledVersion }

@_cdecl("pretext_plugin_register")
public func pretextPluginRegister() -> Int32 {
    PluginABI.register { registry in
        try registry.registerMethod("swav", summary: "SwAV (Caron et al. 2020): multi-crop, Sinkhorn codes of prototypes, swapped prediction",
                                    defaults: SwAV.defaults, demo: SwAV.demo) { try SwAV($0) }
    }
}
