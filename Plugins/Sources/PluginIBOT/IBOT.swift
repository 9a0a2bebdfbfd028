import PretextSDK
import PretextMaskedModeling
import PretextSelfDistillation

/// iBOT (Zhou, Wei, Wang, Shen, Xie, Yuille, Kong 2022, "iBOT: Image BERT Pre-Training with Online
/// Tokenizer", arXiv:2111.07832), as Lightly 1.6's iBOT benchmark (`benchmarks/imagenet/vitb16/ibot.py`:
/// `MaskedVisionTransformerTIMM`, `DINOProjectionHead`, `DINOLoss` + `IBOTPatchLoss`, `random_block_mask`,
/// `IBOTTransform`).
///
/// DINO's self-distillation of the class token (teacher = EMA of the student, sees the 2 global crops;
/// student sees every crop; centred and sharpened teacher softmax) plus masked image modelling with the
/// teacher as online tokenizer: blocks of patches of the global crops are masked for the student (replaced
/// by its learned mask token, `VisionTransformer.encode(_:mask:maskToken:)`), and at each masked patch
/// the student's output must match the teacher's output for the unmasked patch (`ibot-patch` loss, its own
/// centre). Half of the images of a batch are masked, each with 10–50 % of its patches in random
/// rectangles (Lightly's `random_block_mask`, blocks of at least (grid/3)² patches). Loss = class + patch.
/// The patch head is the class head (`shared_head: true`, Lightly's benchmark) or a second head of the same
/// shape with its own EMA teacher. Logs `class_loss`, `patch_loss`, `masked_fraction`, the teacher
/// temperature and DINO's teacher entropies.
///
/// Defaults (one comment per value in `defaults`; Lightly's benchmark unless noted): teacher momentum 0.996
/// → 1 cosine; teacher head a copy of the student's (the paper; Lightly's benchmark starts it independently:
/// `teacher_head: independent`); head 3 layers 2048 wide, bottleneck 256, 8192 prototypes, last layer not
/// weight-norm-fixed and frozen in epoch 1; teacher temperature 0.04 → 0.07 (benchmark: over 30 of 100
/// epochs; 5 here), student 0.1, centres momentum 0.9; ViT re-initialised as Lightly's wrapper does (MAE
/// Xavier init) with a learned position embedding (`pos_embed_initialization="skip"`); AdamW lr 5e-4 ×
/// batch/256, weight decay 0.04 → 0.4 cosine without biases/norms/tokens, gradient norm clipped at 3;
/// iBOT's views (preset `dino` with global scale 0.25–1, local 0.05–0.25, 10 local crops). Not reproduced:
/// the benchmark's LayerScale (`init_values=1e-5`) and stochastic depth 0.1 in the student (the registry's
/// ViT has neither), and its non-antialiased position-embedding resampling for local crops.
public final class IBOT: Method {
    public let backbone: any Backbone
    let model: IBOTModel
    let classLoss: DINOLoss
    let patchLoss: IBOTPatchLoss
    let teacherTemperature: any Schedule
    let mask: (batchRatio: Double, minRatio: Double, maxRatio: Double, minPerBlock: Int, minAspect: Double)
    var pending: [IBOTModel.Outputs] = []
    public let views: any Transform
    public let momentumTargets: [MomentumTarget]
    public var modules: [String: Module] {
        var m: [String: Module] = ["backbone": model.student, "mask_token": model.maskToken, "head": model.head,
                                   "teacher_backbone": model.teacher, "teacher_head": model.teacherHead]
        if !model.sharedHead { m["patch_head"] = model.patchHead; m["teacher_patch_head"] = model.teacherPatchHead }
        return m
    }

    public init(_ b: MethodBuilder) throws {
        guard let student = try b.makeBackbone() as? VisionTransformer, let teacher = try b.makeBackbone() as? VisionTransformer else {
            throw ConfigError.invalidValue(path: "backbone.name", detail: "iBOT masks ViT patch tokens and needs a ViT backbone (vit-t, vit-s, vit-b), not '\(b.backboneName)'")
        }
        backbone = student
        if try b.config.string("encoder_init", "mae", "mae: re-initialise the ViT as Lightly's MaskedVisionTransformerTIMM (Xavier); timm: keep the backbone's init", choices: ["mae", "timm"]) == "mae" {
            MaskedAutoencoder.initializeEncoder(student, rng: &b.context.rng)
        }
        if try b.config.bool("fixed_pos_embed", false, "fixed sine-cosine position embedding (false: learned, Lightly's iBOT benchmark)") {
            MaskedAutoencoder.fixSinCosPositionEmbedding(student)
            MaskedAutoencoder.fixSinCosPositionEmbedding(teacher)
        }
        try EMA.copy(into: teacher, from: student)
        let shared = try b.config.bool("shared_head", true, "one head for the class and the patch tokens (Lightly's benchmark); false: a second head of the same shape")
        let teacherInit = try b.config.string("teacher_head", "copy", "copy: the teacher heads start as the student's (paper); independent: their own random init (Lightly's benchmark)", choices: ["copy", "independent"])
        func heads() throws -> (DINOHead, DINOHead) {
            let s = try Self.dinoHead(b, inputDim: student.dim), t = try Self.dinoHead(b, inputDim: student.dim)
            if teacherInit == "copy" { try EMA.copy(into: t, from: s) } else { t.freeze() }
            return (s, t)
        }
        let (head, teacherHead) = try heads()
        let patchHeads = shared ? nil : try heads()
        model = try IBOTModel(student: student, maskToken: MaskToken(dim: student.dim), head: head, patchHead: patchHeads?.0,
                              teacher: teacher, teacherHead: teacherHead, teacherPatchHead: patchHeads?.1)
        var pairs: [(online: Module, target: Module)] = [(student, teacher), (head, teacherHead)]
        if let (s, t) = patchHeads { pairs.append((s, t)) }
        momentumTargets = try b.momentumTargets(pairs, momentum: 0.996, cosine: true)
        guard let cl = try b.makeLoss("dino") as? DINOLoss, let pl = try b.makeLoss("ibot-patch") as? IBOTPatchLoss else {
            throw ConfigError.invalidValue(path: "method", detail: "the registered 'dino' / 'ibot-patch' losses are not Pretext's DINOLoss / IBOTPatchLoss")
        }
        classLoss = cl
        patchLoss = pl
        teacherTemperature = try b.teacherTemperatureSchedule(warmupEpochs: 5)

        let m = b.config.section("mask")
        let batchRatio = try m.double("batch_mask_ratio", 0.5, "fraction of the images whose global crops are masked")
        let minRatio = try m.double("min_image_mask_ratio", 0.1, "smallest fraction of a masked image's patches")
        let maxRatio = try m.double("max_image_mask_ratio", 0.5, "largest fraction of a masked image's patches")
        let minPerBlock = try m.int("min_patches_per_block", 0, "smallest masked block in patches (0: (grid side / 3)², Lightly's benchmark)", range: 0...1_000_000)
        let minAspect = try m.double("min_aspect", 0.3, "smallest block aspect ratio (the largest is its inverse)")
        try m.validate()
        guard (0...1).contains(batchRatio), minRatio >= 0, minRatio <= maxRatio, maxRatio <= 1, minAspect > 0, minAspect <= 1 else {
            throw ConfigError.invalidValue(path: "method.mask", detail: "needs 0 ≤ batch_mask_ratio ≤ 1, 0 ≤ min_image_mask_ratio ≤ max_image_mask_ratio ≤ 1 and 0 < min_aspect ≤ 1")
        }
        mask = (batchRatio, minRatio, maxRatio, minPerBlock, minAspect)

        // Views: iBOT's crops (Lightly's IBOTTransform) through the `dino` preset, sized by the ViT.
        let native = student.imageSize, patch = student.patchSize
        let localDefault = Swift.max(patch, Int((Double(native) * 96 / 224 / Double(patch)).rounded()) * patch)
        let global = try b.viewsConfig.int("global_crop_size", native, "global crop side (default: the ViT's image_size)")
        let local = try b.viewsConfig.int("local_crop_size", localDefault, "local crop side (default: 96/224 of the global size, a multiple of the ViT patch)")
        for (key, size) in [("global_crop_size", global), ("local_crop_size", local)] where size % patch != 0 || size < patch {
            throw ConfigError.invalidValue(path: "views.\(key)", detail: "\(size) px is not a multiple of the ViT's patch size \(patch): choose e.g. \(Swift.max(patch, size / patch * patch))")
        }
        let grid = global / patch
        let smallest = Int(Double(grid * grid) * minRatio), block = Self.minPerBlock(minPerBlock, grid: grid)
        guard smallest >= block else {
            throw ConfigError.invalidValue(path: "method.mask.min_image_mask_ratio", detail: "\(minRatio) of the \(grid)×\(grid) patches of a global crop is \(smallest) patches, fewer than the smallest block of \(block): raise it or set method.mask.min_patches_per_block")
        }
        views = try b.makeViews("dino", defaults: ["global_crop_size": .int(global), "local_crop_size": .int(local),
                                                   "global_crop_scale": .list([.float(0.25), .float(1)]),
                                                   "local_crop_scale": .list([.float(0.05), .float(0.25)]), "local_views": .int(10)])
    }

    static func minPerBlock(_ configured: Int, grid: Int) -> Int { configured > 0 ? configured : (grid / 3) * (grid / 3) }

    static func dinoHead(_ b: MethodBuilder, inputDim: Int) throws -> DINOHead {
        guard let h = try b.makeHead("dino", section: "head", inputDim: inputDim) as? DINOHead else {
            throw ConfigError.invalidValue(path: "method.head", detail: "the registered 'dino' head is not Pretext's DINOHead")
        }
        return h
    }

    public func step(_ batch: Batch, _ context: StepContext) throws -> StepOutput {
        let v = batch.views
        guard v.count >= 2, v[0].shape == v[1].shape else {
            throw ConfigError.invalidValue(path: "views", detail: "iBOT needs 2 global crops of one size first (preset dino), got \(v.map(\.shape))")
        }
        let (n, grid) = (v[0].shape[0], try model.student.patchEmbed.grid(height: v[0].shape[2], width: v[0].shape[3]))
        var rng = context.rng
        let m = try PatchMask.randomBlock(batch: 2 * n, height: grid.0, width: grid.1, batchMaskRatio: mask.batchRatio,
                                          minImageMaskRatio: mask.minRatio, maxImageMaskRatio: mask.maxRatio,
                                          minPatchesPerBlock: Self.minPerBlock(mask.minPerBlock, grid: Swift.min(grid.0, grid.1)),
                                          minAspect: mask.minAspect, rng: &rng)
        let o = try model.outputs(v, mask: m, freezeLastLayer: context.epoch < model.head.freezeLastLayer)
        let t = teacherTemperature.value(at: context.step, of: context.totalSteps)
        let (c, p) = try IBOTModel.losses(o, mask: m, classLoss: classLoss, patchLoss: patchLoss, teacherTemperature: t)
        pending.append(o)
        return StepOutput(loss: try c + p, metrics: ["class_loss": Double(c.item), "patch_loss": Double(p.item),
                                                     "masked_fraction": Double(o.teacherPatches.shape[0]) / Double(m.count),
                                                     "teacher_temp": Double(t), "teacher_entropy": classLoss.teacherEntropy,
                                                     "teacher_batch_entropy": classLoss.teacherMeanEntropy])
    }

    /// Both centres follow this step's teacher outputs (Lightly updates them inside the losses' forward).
    public func afterStep(_ context: StepContext) throws {
        for o in pending {
            try classLoss.updateCenter(teacher: o.teacherClass)
            if o.teacherPatches.shape[0] > 0 { try patchLoss.updateCenter(teacher: o.teacherPatches) }
        }
        pending = []
    }

    public func extraState() -> [String: Tensor] { ["center": classLoss.center, "patch_center": patchLoss.center] }

    public func loadExtraState(_ state: [String: Tensor]) throws {
        guard let c = state["center"], let p = state["patch_center"] else {
            throw ConfigError.invalidValue(path: "checkpoint", detail: "the checkpoint has no iBOT centres (extra.center, extra.patch_center): it was not made by the ibot method")
        }
        try classLoss.loadCenter(c)
        try patchLoss.loadCenter(p)
    }

    public static let defaults = """
    method:
      momentum: 0.996               # teacher EMA momentum at the start (paper, Lightly's benchmark)
      momentum_cosine: true         # raise it to 1 along a cosine over training, per step (paper, Lightly's benchmark)
      teacher_head: copy            # copy: teacher heads start as the student's (paper); independent: own init (Lightly's benchmark)
      shared_head: true             # one head for class and patch tokens (Lightly's benchmark, the paper's ViT runs); false: a separate patch head
      encoder_init: mae             # mae: re-initialise the ViT as Lightly's MaskedVisionTransformerTIMM (Xavier, cls std 0.02); timm: keep the timm init
      fixed_pos_embed: false        # false: learned position embedding (Lightly's benchmark: pos_embed_initialization="skip"); true: fixed sine-cosine
      warmup_teacher_temp: 0.04     # teacher temperature at epoch 0 (paper, Lightly's benchmark)
      teacher_temp: 0.07            # teacher temperature after the warm-up (Lightly's benchmark 0.07)
      warmup_teacher_temp_epochs: 5 # linear warm-up epochs (Lightly's benchmark 30 of 100; 5 for short CPU runs)
      teacher_temp_schedule:
        name: linear-warmup         # per epoch linspace(warmup_teacher_temp, teacher_temp, warmup_teacher_temp_epochs)[epoch], then teacher_temp
      student_temp: 0.1             # student temperature of both losses (paper 0.1)
      center_momentum: 0.9          # momentum of the class-output centre (paper 0.9)
      patch_center_momentum: 0.9    # momentum of the patch-output centre (paper 0.9)
      mask:
        batch_mask_ratio: 0.5       # fraction of the global crops that get masks (Lightly's random_block_mask; paper: 0.5)
        min_image_mask_ratio: 0.1   # a masked crop hides between this ...
        max_image_mask_ratio: 0.5   # ... and this fraction of its patches (paper 0.1-0.5)
        min_patches_per_block: 0    # smallest block; 0 = (grid side / 3)^2 as Lightly's benchmark (16 patches on a 14x14 grid)
        min_aspect: 0.3             # block aspect ratios in [0.3, 1/0.3] (paper, Lightly)
      head:
        hidden_dim: 2048            # MLP hidden width (paper 2048)
        bottleneck_dim: 256         # bottleneck before the prototypes (paper 256)
        output_dim: 8192            # prototypes K (Lightly's benchmark and the paper's ViT-S 8192)
        num_layers: 3               # MLP layers (paper 3)
        batch_norm: false           # no batch-norm in the head (ViTs)
        freeze_last_layer: 1        # epochs during which the prototypes get no gradient update (Lightly's benchmark 1)
        norm_last_layer: false      # prototypes' weight norm trained (Lightly's benchmark student: norm_last_layer=False)
        trunc_normal_init: true     # MLP Linears trunc_normal(0.02) (Lightly's DINOProjectionHead)
    backbone:
      name: vit-s                   # iBOT needs a ViT (Lightly's benchmark: ViT-S/16); --backbone vit-t|vit-s|vit-b
    optimizer:
      name: adamw                   # AdamW (paper, Lightly's benchmark)
      lr: 0.00003125                # 5e-4 x batch/256 (Lightly's benchmark), i.e. 3.125e-5 at the default batch of 16; rescale with --batch-size
      weight_decay: 0.04            # start of the weight-decay schedule (paper 0.04)
      weight_decay_end: 0.4         # weight decay at the last step, cosine per step (paper 0.4)
      exclude_bias_and_norm: true   # no weight decay for biases, norms and the ViT's tokens (Lightly's benchmark decays the tokens)
    schedule:
      name: cosine                  # learning rate: linear warm-up, then cosine per step (paper; Lightly's benchmark ends at 1e-6)
      warmup_epochs: 2              # warm-up epochs (Lightly's benchmark 10 of 100; 2 for ~10-epoch CPU runs)
    data:
      batch_size: 16                # 2 global + 10 local crops of 224/96 px keep about 0.45 GB of activations per image on a ViT-S/16; raise it for small images
    train:
      clip_grad: 3.0                # clip the global gradient norm at 3.0 (Lightly's benchmark)
    views:
      preset: dino                  # iBOT's crops (Lightly's IBOTTransform): 2 global (scale 0.25-1) + 10 local (0.05-0.25); sizes follow the ViT
      global_crop_scale: [0.25, 1]  # global crop area fraction (IBOTTransform)
      local_crop_scale: [0.05, 0.25] # local crop area fraction (IBOTTransform)
      local_views: 10               # local crops (IBOTTransform)
    """
}

@_cdecl("pretext_plugin_abi_version")
public func pretextPluginABIVersion() -> Int32 { PluginABI.compiledVersion }

@_cdecl("pretext_plugin_register")
public func pretextPluginRegister() -> Int32 {
    PluginABI.register { registry in
        try SelfDistillation.register(in: registry)
        try SelfDistillation.registerIBOT(in: registry)
        try registry.registerMethod("ibot", summary: "iBOT (Zhou et al. 2022): DINO on the class token + masked patch-token self-distillation with a mask token",
                                    defaults: IBOT.defaults, demo: IBOT.demo) { try IBOT($0) }
    }
}
