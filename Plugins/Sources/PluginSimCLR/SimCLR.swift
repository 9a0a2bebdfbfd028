import PretextSDK

/// SimCLR (Chen, Kornblith, Norouzi, Hinton 2020, "A Simple Framework for Contrastive Learning of
/// Visual Representations", arXiv:2002.05709), as Lightly's `examples/pytorch/simclr.py`.
///
/// Two augmented views of every image go through the backbone and a projection head
/// (features → hidden → 128, batch-norm after the hidden layer); NT-Xent pulls the two views of an
/// image together and pushes the other 2B − 2 embeddings away. Defaults as Lightly: temperature 0.5
/// (0.1–0.2 for batches of 1024+), projection 2048 → 128 (hidden = feature size in the CIFAR recipe),
/// SGD momentum 0.9, weight decay 5e-4, cosine schedule; LARS for large batches.
public final class SimCLR: Method {
    public let backbone: any Backbone
    let projection: any Head
    let loss: any Loss
    public let views: any Transform
    public var modules: [String: Module] { ["backbone": backbone, "projection": projection] }
    /// The loss's optional queue of past embeddings (`method.memory_bank_size` > 0), and the embeddings
    /// of this optimizer step that join it in `afterStep`.
    var queue: MemoryBank? { (loss as? NTXentLoss)?.memoryBank }
    var pending: [Tensor] = []

    public init(_ b: MethodBuilder) throws {
        backbone = try b.makeBackbone()
        projection = try b.makeHead("simclr-projection", section: "projection", inputDim: backbone.featureDim)
        loss = try b.makeLoss("ntxent")
        views = try b.makeViews("simclr")
    }

    public func step(_ batch: Batch, _ context: StepContext) throws -> StepOutput {
        let z0 = try projection(backbone(batch.views[0]))
        let z1 = try projection(backbone(batch.views[1]))
        if queue != nil { pending.append(z1) }
        return StepOutput(loss: try loss([z0, z1]))
    }

    public func afterStep(_ context: StepContext) throws {
        if let queue { for z in pending { try queue.enqueue(z) } }
        pending = []
    }

    /// The queue, when there is one, so resume continues with the same negatives.
    public func extraState() -> [String: Tensor] {
        guard let queue else { return [:] }
        return queue.state(prefix: "queue")
    }

    public func loadExtraState(_ state: [String: Tensor]) throws {
        guard let queue else { return }
        try queue.load(from: state, prefix: "queue")
    }

    public static let defaults = """
    method:
      temperature: 0.5          # NT-Xent temperature (Lightly's default; 0.1-0.2 for very large batches)
      memory_bank_size: 0       # extra negatives from a queue of past embeddings (0 = plain SimCLR)
      projection:
        hidden_dim: 2048        # projection hidden width (0 = the backbone's feature size)
        output_dim: 128         # embedding size the loss sees
    optimizer:
      name: sgd                 # sgd, or lars for batches of 1024+
      lr: 0.06                  # base learning rate (Lightly's CIFAR benchmark: 0.06 x batch/512 scaled)
      momentum: 0.9
      weight_decay: 0.0005
    schedule:
      name: cosine              # per-step cosine annealing
      warmup_epochs: 0
    views:
      preset: simclr            # two views: crop, flip, colour jitter 0.8, grayscale 0.2, blur 0.5
    """
}

@_cdecl("pretext_plugin_abi_version")
public func pretextPluginABIVersion() -> Int32 { PluginABI.compiledVersion }

@_cdecl("pretext_plugin_register")
public func pretextPluginRegister() -> Int32 {
    PluginABI.register { registry in
        try registry.registerMethod("simclr", summary: "SimCLR (Chen et al. 2020): two views, projection head, NT-Xent",
                                    defaults: SimCLR.defaults, demo: SimCLR.demo) { try SimCLR($0) }
    }
}
