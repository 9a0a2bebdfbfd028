import PretextSDK
import PretextSelfDistillation

/// DINO (Caron, Touvron, Misra, Jégou, Mairal, Bojanowski, Joulin 2021, "Emerging Properties in
/// Self-Supervised Vision Transformers", arXiv:2104.14294): self-distillation with no labels.
///
/// A student (backbone + DINO head) is trained to match a teacher — an exponential moving average of
/// the student, never trained by gradients — across crops of the same image: the teacher sees the two
/// global crops, the student sees every crop (2 global + N local, multi-crop); the `dino` loss is the
/// cross-entropy between the teacher's centred, sharpened softmax and the student's softmax over all
/// pairs of different views. Centring (a running mean of the teacher outputs) prevents one prototype
/// from dominating, sharpening (a low teacher temperature) prevents the uniform collapse; the logged
/// `teacher_entropy` (mean entropy of the teacher's softmax, nats; ln K is uniform) and
/// `teacher_batch_entropy` (entropy of the batch-mean distribution) make either collapse visible.
///
/// Defaults (the paper's ViT-S/16 recipe, scaled where noted; see `defaults` for one comment per value):
/// teacher momentum 0.996 → 1 along a cosine per step; teacher head a copy of the student's; head MLP
/// 3 layers 2048 wide, bottleneck 256, weight-normalised last layer of K prototypes (K = `head.output_dim`,
/// the softmax size: 65536 in the paper, 2048 here for small data on CPU — it is not the backbone's
/// feature size, which sizes the head's input); last layer frozen during the first epoch; centre
/// momentum 0.9; teacher temperature 0.04 → 0.07 over `warmup_teacher_temp_epochs` (paper 30, here 5),
/// student temperature 0.1; AdamW with weight decay 0.04 → 0.4 (cosine) excluding biases and norms,
/// learning rate 0.0005 × batch/256 with warm-up then cosine; gradient norm clipped at 3.0; batch 32
/// (multi-crop at 224 px on a ViT-S/16 holds about 0.35 GB of activations per image).
///
/// Views: Lightly's `DINOTransform` (preset `dino`). The global crop size defaults to the backbone's
/// input size — the ViT's `backbone.image_size` (224 for vit-s), 224 for a ResNet — and the local crop
/// size to 96/224 of it rounded to a multiple of the ViT's patch (96 for a 224 px model); the ViT
/// resamples its position embedding for the smaller local grid. Same-size crops go through the
/// networks as one batch when nothing in them uses batch statistics (ViTs; a ResNet's batch-norm sees
/// each crop on its own, as Lightly does).
///
/// Works with any registered backbone: `--backbone vit-s` (the paper), `--backbone resnet18` (set
/// `method.head.batch_norm: true`, as the paper's ResNet-50 run).
public final class DINO: Method {
    public let backbone: any Backbone
    let head: DINOHead
    let teacherBackbone: any Backbone
    let teacherHead: DINOHead
    let loss: DINOLoss
    /// The teacher temperature per optimizer step (`method.teacher_temp_schedule`).
    let teacherTemperature: any Schedule
    /// Teacher outputs of this optimizer step, for the centre update in `afterStep`.
    var pendingTeacherOutputs: [[Tensor]] = []
    let globalViews = 2
    /// Same-size views are concatenated into one forward pass (no batch-norm anywhere).
    let batchViews: Bool
    public let views: any Transform
    public let momentumTargets: [MomentumTarget]
    public var modules: [String: Module] {
        ["backbone": backbone, "head": head, "teacher_backbone": teacherBackbone, "teacher_head": teacherHead]
    }

    public init(_ b: MethodBuilder) throws {
        backbone = try b.makeBackbone()
        head = try Self.dinoHead(b, inputDim: backbone.featureDim)
        teacherBackbone = try b.makeBackbone()
        try EMA.copy(into: teacherBackbone, from: backbone)
        let teacherInit = try b.config.string("teacher_head", "copy", "copy: the teacher head starts as the student's (paper); independent: its own random init (Lightly's CIFAR benchmark)",
                                              choices: ["copy", "independent"])
        teacherHead = try Self.dinoHead(b, inputDim: backbone.featureDim)
        if teacherInit == "copy" { try EMA.copy(into: teacherHead, from: head) } else { teacherHead.freeze() }
        guard let l = try b.makeLoss("dino") as? DINOLoss else {
            throw ConfigError.invalidValue(path: "method", detail: "the registered 'dino' loss is not Pretext's DINOLoss")
        }
        loss = l
        teacherTemperature = try b.teacherTemperatureSchedule()
        momentumTargets = try b.momentumTargets([(backbone, teacherBackbone), (head, teacherHead)], momentum: 0.996, cosine: true)

        // Crop sizes follow the backbone's input size unless the user sets them.
        var native = 224, patch = 1
        if let vit = backbone as? VisionTransformer { native = vit.imageSize; patch = vit.patchSize }
        let localDefault = Swift.max(patch, Int((Double(native) * 96 / 224 / Double(patch)).rounded()) * patch)
        let global = try b.viewsConfig.int("global_crop_size", native, "global crop side (default: the backbone's image_size; 224 for ResNets)")
        let local = try b.viewsConfig.int("local_crop_size", localDefault, "local crop side (default: 96/224 of the global size, a multiple of the ViT patch)")
        for (key, size) in [("global_crop_size", global), ("local_crop_size", local)] where size % patch != 0 || size < patch {
            throw ConfigError.invalidValue(path: "views.\(key)", detail: "\(size) px is not a multiple of the ViT's patch size \(patch): choose e.g. \(Swift.max(patch, size / patch * patch))")
        }
        views = try b.makeViews("dino", defaults: ["global_crop_size": .int(global), "local_crop_size": .int(local)])

        let usesBatchStatistics = ([backbone, head] as [Module]).contains { m in
            m.namedModules().contains { $0.module is BatchNorm }
        }
        batchViews = !usesBatchStatistics
    }

    static func dinoHead(_ b: MethodBuilder, inputDim: Int) throws -> DINOHead {
        guard let h = try b.makeHead("dino", section: "head", inputDim: inputDim) as? DINOHead else {
            throw ConfigError.invalidValue(path: "method.head", detail: "the registered 'dino' head is not Pretext's DINOHead")
        }
        return h
    }

    /// Head outputs [B, K] of every view. While the last layer is frozen its weight is used detached,
    /// so its parameters get no gradient and the optimizer skips them (Lightly's
    /// `cancel_last_layer_gradients`, which sets their gradients to None).
    func outputs(_ bb: any Backbone, _ h: DINOHead, _ views: [Tensor], freezeLastLayer: Bool) throws -> [Tensor] {
        func project(_ x: Tensor) throws -> Tensor {
            let features = try bb(x)
            guard freezeLastLayer else { return try h(features) }
            let z = try h.layers(features).l2Normalized(axis: -1, eps: 1e-12)
            let w = try noGrad { try h.lastLayer.weight() }
            return try z.linear(weight: w, bias: nil)
        }
        return try MultiCrop.apply(views, concatenate: batchViews, project)
    }

    public func step(_ batch: Batch, _ context: StepContext) throws -> StepOutput {
        let v = batch.views
        guard v.count >= globalViews else {
            throw ConfigError.invalidValue(path: "views", detail: "DINO needs the \(globalViews) global crops first (preset dino), got \(v.count) view(s)")
        }
        let teacherOut = try noGrad {
            try outputs(teacherBackbone, teacherHead, Array(v.prefix(globalViews)), freezeLastLayer: false)
        }
        let studentOut = try outputs(backbone, head, v, freezeLastLayer: context.epoch < head.freezeLastLayer)
        let temperature = teacherTemperature.value(at: context.step, of: context.totalSteps)
        let l = try loss(teacher: teacherOut, student: studentOut, teacherTemperature: temperature)
        pendingTeacherOutputs.append(teacherOut)
        return StepOutput(loss: l, metrics: ["teacher_entropy": loss.teacherEntropy,
                                             "teacher_batch_entropy": loss.teacherMeanEntropy,
                                             "teacher_temp": Double(temperature)])
    }

    /// The running centre follows the teacher outputs of this optimizer step (Lightly updates it right
    /// after the loss; the loss itself leaves it alone, so it can be evaluated twice).
    public func afterStep(_ context: StepContext) throws {
        for outputs in pendingTeacherOutputs { try loss.updateCenter(teacher: outputs) }
        pendingTeacherOutputs = []
    }

    public func extraState() -> [String: Tensor] { ["center": loss.center] }

    public func loadExtraState(_ state: [String: Tensor]) throws {
        guard let c = state["center"] else {
            throw ConfigError.invalidValue(path: "checkpoint", detail: "the checkpoint has no DINO centre (extra.center): it was not made by the dino method")
        }
        try loss.loadCenter(c)
    }

    public static let defaults = """
    method:
      momentum: 0.996               # teacher EMA momentum at the start (paper 0.996; the runner updates before each step)
      momentum_cosine: true         # raise it to 1 along a cosine over training, per step (paper); false = constant
                                    # (the shape is method.momentum_schedule.name: cosine-to-end or constant by default; ssl-run list schedule)
      teacher_head: copy            # copy: teacher head starts as the student's (paper); independent: own init (Lightly CIFAR benchmark)
      warmup_teacher_temp: 0.04     # teacher softmax temperature at epoch 0 (paper 0.04)
      teacher_temp: 0.07            # teacher temperature after the warm-up (paper 0.04-0.07; 0.07 for ViT-S/16)
      warmup_teacher_temp_epochs: 5 # linear warm-up epochs (paper 30 of 100-300; 5 for short CPU runs, as Lightly's example)
      teacher_temp_schedule:
        name: linear-warmup         # per epoch torch.linspace(warmup_teacher_temp, teacher_temp, warmup_teacher_temp_epochs)[epoch], then teacher_temp; or constant (teacher_temp), cosine, ... (ssl-run list schedule)
      student_temp: 0.1             # student softmax temperature (paper 0.1)
      center_momentum: 0.9          # momentum of the running centre subtracted from the teacher outputs (paper 0.9)
      head:
        hidden_dim: 2048            # MLP hidden width (paper 2048)
        bottleneck_dim: 256         # bottleneck before the L2-normalised prototypes (paper 256)
        output_dim: 2048            # prototypes K = the softmax size (paper 65536; 2048 for small data on CPU, as Lightly's CIFAR benchmark); not the backbone's feature size
        num_layers: 3               # MLP layers (paper 3)
        batch_norm: false           # batch-norm in the MLP (paper: off for ViTs, on for ResNet-50)
        freeze_last_layer: 1        # epochs during which the prototypes get no gradient update (paper 1)
        norm_last_layer: true       # prototypes' weight norm fixed at 1 (paper; false can help ViT-B stability)
        trunc_normal_init: true     # MLP Linears trunc_normal(0.02) as the paper; false = PyTorch default (Lightly CIFAR benchmark)
    optimizer:
      name: adamw                   # AdamW (paper)
      lr: 0.0000625                 # paper: 0.0005 x batch/256, i.e. 6.25e-5 at the default batch of 32; rescale with --batch-size
      weight_decay: 0.04            # start of the weight-decay schedule (paper 0.04)
      weight_decay_end: 0.4         # weight decay reached at the last step, cosine per step (paper 0.4)
      exclude_bias_and_norm: true   # no weight decay for biases, norms and the ViT's cls/pos tokens (paper)
    schedule:
      name: cosine                  # learning rate: linear warm-up, then cosine per step (paper)
      warmup_epochs: 2              # warm-up epochs (paper 10 of 100-300; 2 for ~10-epoch CPU runs)
    data:
      batch_size: 32                # 2 global + 6 local crops of 224/96 px keep about 0.35 GB of activations per image on a ViT-S/16 (about 11 GB at 32); raise it for small images
    train:
      clip_grad: 3.0                # clip the global gradient norm at 3.0 (paper 3.0, clipped per parameter tensor)
    views:
      preset: dino                  # 2 global crops (teacher + student) and 6 local crops (student only); global_crop_size defaults to the backbone's image_size (224 for ResNets), local_crop_size to 96/224 of it
    """
}

@_cdecl("pretext_plugin_abi_version")
public func pretextPluginABIVersion() -> Int32 { PluginABI.compiledVersion }

@_cdecl("pretext_plugin_register")
public func pretextPluginRegister() -> Int32 {
    PluginABI.register { registry in
        try SelfDistillation.register(in: registry)
        try registry.registerMethod("dino", summary: "DINO (Caron et al. 2021): EMA teacher, multi-crop, centred + sharpened self-distillation",
                                    defaults: DINO.defaults, demo: DINO.demo) { try DINO($0) }
    }
}
