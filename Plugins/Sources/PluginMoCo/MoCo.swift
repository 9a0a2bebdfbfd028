import PretextSDK

/// MoCo v2 (Chen, Fan, Girshick, He 2020, "Improved Baselines with Momentum Contrastive Learning",
/// arXiv:2003.04297; after MoCo, He et al. 2019, arXiv:1911.05722), as Lightly's CIFAR-10 benchmark.
///
/// A query encoder (backbone + MLP head) is trained; a key encoder, its exponential moving average,
/// encodes the other view. InfoNCE scores each query against its key and a queue of past keys
/// (the memory bank, saved in checkpoints); the keys join the queue in `afterStep`. The loss is
/// symmetric over the two views, the second half scored against the queue that already holds the first
/// half's keys (Lightly's two criterion calls). Defaults (the shared fidelity recipe, Lightly's benchmark): queue 4096 (up to 65536),
/// temperature 0.1 (the MoCo v2 paper uses 0.2), momentum 0.99 constant (`momentum_cosine: true` moves it
/// 0.996 → 1 along a cosine), head features → features → 128 without batch-norm, batch-norm statistics
/// computed over 8 splits of the batch with the key batch shuffled (Lightly's SplitBatchNorm emulation
/// of shuffle-BN), SGD momentum 0.9, weight decay 5e-4, cosine schedule.
public final class MoCo: Method {
    public let backbone: any Backbone
    let projection: any Head
    let keyBackbone: any Backbone
    let keyProjection: any Head
    let loss: NTXentLoss
    let splits: Int
    public let views: any Transform
    public let momentumTargets: [MomentumTarget]
    /// Keys of this optimizer step, enqueued by `afterStep` in order.
    var pendingKeys: [Tensor] = []
    public var modules: [String: Module] {
        ["backbone": backbone, "projection": projection, "key_backbone": keyBackbone, "key_projection": keyProjection]
    }

    public init(_ b: MethodBuilder) throws {
        backbone = try b.makeBackbone()
        projection = try b.makeHead("mocov2-projection", section: "projection", inputDim: backbone.featureDim)
        keyBackbone = try b.makeBackbone()
        keyProjection = try b.makeHead("mocov2-projection", section: "projection", inputDim: backbone.featureDim)
        try EMA.copy(into: keyBackbone, from: backbone)
        try EMA.copy(into: keyProjection, from: projection)
        guard let l = try b.makeLoss("ntxent") as? NTXentLoss, l.memoryBank != nil else {
            throw ConfigError.invalidValue(path: "method.memory_bank_size", detail: "MoCo needs a queue: set it above 0 (default 4096)")
        }
        loss = l
        splits = try b.config.int("batchnorm_splits", 8, "batch-norm statistics over this many splits of the batch, key batch shuffled (1 = plain BN)")
        for m in [backbone, keyBackbone] as [Module] { try BatchNormSplits.set(splits, in: m) }
        momentumTargets = try b.momentumTargets([(backbone, keyBackbone), (projection, keyProjection)], momentum: 0.99, cosine: false)
        views = try b.makeViews("mocov2")
    }

    /// Keys of `x`: the batch is shuffled before the key encoder and unshuffled after, so split batch-norm
    /// statistics of keys and queries come from different images (shuffle-BN).
    func keys(_ x: Tensor, _ rng: inout RNG) throws -> Tensor {
        try noGrad {
            let n = x.shape[0]
            let perm = splits > 1 ? rng.permutation(n) : Array(0..<n)
            var inverse = [Int](repeating: 0, count: n)
            for (i, p) in perm.enumerated() { inverse[p] = i }
            let k = try keyProjection(keyBackbone(x.indexSelect(axis: 0, indices: perm)))
            return try k.indexSelect(axis: 0, indices: inverse)
        }
    }

    public func step(_ batch: Batch, _ context: StepContext) throws -> StepOutput {
        var rng = context.rng
        let (x0, x1) = (batch.views[0], batch.views[1])
        let k1 = try keys(x1, &rng), k0 = try keys(x0, &rng)
        let queue = loss.memoryBank!
        let l0 = try loss([projection(backbone(x0)), k1], negatives: queue.bank)
        let l1 = try loss([projection(backbone(x1)), k0], negatives: try queue.enqueued(k1))
        pendingKeys += [k1, k0]
        return StepOutput(loss: try (l0 + l1) * 0.5)
    }

    /// The step's keys join the queue (after backward, which still needed the negatives it was scored on).
    public func afterStep(_ context: StepContext) throws {
        for k in pendingKeys { try loss.memoryBank!.enqueue(k) }
        pendingKeys = []
    }

    public func extraState() -> [String: Tensor] {
        loss.memoryBank!.state(prefix: "queue")
    }

    public func loadExtraState(_ state: [String: Tensor]) throws {
        try loss.memoryBank!.load(from: state, prefix: "queue")
    }

    public static let defaults = """
    method:
      temperature: 0.1            # InfoNCE temperature (Lightly's CIFAR benchmark; the MoCo v2 paper: 0.2)
      memory_bank_size: 4096      # negative queue length (65536 on ImageNet)
      memory_bank_dim: 128        # must equal projection.output_dim
      momentum: 0.99              # key encoder EMA momentum
      momentum_cosine: false      # true: cosine schedule from momentum to 1 (e.g. momentum 0.996)
      batchnorm_splits: 8         # split-BN with shuffled keys (Lightly's shuffle-BN emulation); 1 = off
      projection:
        hidden_dim: 0             # MLP hidden width (0 = the backbone's feature size, as the CIFAR benchmark)
        output_dim: 128
    optimizer:
      name: sgd
      lr: 0.06
      momentum: 0.9
      weight_decay: 0.0005
    schedule:
      name: cosine
    views:
      preset: mocov2
    """
}

@_cdecl("pretext_plugin_abi_version")
public func pretextPluginABIVersion() -> Int32 { PluginABI.compiledVersion }

@_cdecl("pretext_plugin_register")
public func pretextPluginRegister() -> Int32 {
    PluginABI.register { registry in
        try registry.registerMethod("moco", summary: "MoCo v2 (Chen et al. 2020): momentum key encoder, queue of 4096 negatives, InfoNCE",
                                    defaults: MoCo.defaults, demo: MoCo.demo) { try MoCo($0) }
    }
}
