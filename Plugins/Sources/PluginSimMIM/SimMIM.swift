import PretextSDK
import PretextMaskedModeling

/// SimMIM (Xie, Zhang, Cao, Lin, Bao, Yao, Dai, Hu 2022, "SimMIM: A Simple Framework for Masked Image
/// Modeling", arXiv:2111.09886), as Lightly 1.6's SimMIM benchmark (`benchmarks/imagenet/vitb16/simmim.py`:
/// `MaskedVisionTransformerTIMM` + `nn.Linear` decoder + `nn.L1Loss`; also `examples/pytorch/simmim.py`).
///
/// Per image a random 60 % of the image is masked in cells of 2 × 2 ViT patches (the paper's 32 px "mask
/// patches" on a ViT/16; Lightly's `random_grid_token_mask`). Unlike MAE the ViT sees every patch: the
/// masked ones are replaced by one learned mask token before the position embeddings are added (the kit's
/// `VisionTransformer.encode(_:mask:maskToken:)`). A single Linear maps each masked patch's final-normed
/// token to its pixels, and the `simmim` loss is the mean absolute error to the true pixels of the masked
/// patches (normalised images, no per-patch normalisation). Only the encoder is kept for downstream use.
///
/// Defaults (Lightly's benchmark; one comment per value in `defaults`): mask ratio 0.6, mask cell 2
/// patches; encoder re-initialised as Lightly's `MaskedVisionTransformerTIMM` does (MAE's Xavier init,
/// fixed sine-cosine position embedding), mask token zeros; decoder Linear(width → patch²·3) with
/// PyTorch's default init; AdamW betas (0.9, 0.999), lr 1e-4 × batch/256, weight decay 0.05 without decay
/// for biases, norms and the tokens (the paper's code; Lightly's benchmark decays the tokens); warm-up then
/// cosine per step; Lightly's `MAETransform(min_scale=0.67)` views. Needs a ViT backbone; the input size
/// (`views.input_size`) defaults to, and must equal, the ViT's `backbone.image_size`.
public final class SimMIM: Method {
    public let backbone: any Backbone
    let model: SimMIMModel
    let loss: SimMIMLoss
    public let views: any Transform
    public var modules: [String: Module] { ["backbone": model.encoder, "mask_token": model.maskToken, "decoder": model.decoder] }

    public init(_ b: MethodBuilder) throws {
        guard let vit = try b.makeBackbone() as? VisionTransformer else {
            throw ConfigError.invalidValue(path: "backbone.name", detail: "SimMIM replaces ViT patch tokens by a mask token and needs a ViT backbone (vit-t, vit-s, vit-b), not '\(b.backboneName)'")
        }
        backbone = vit
        let ratio = try b.config.double("mask_ratio", 0.6, "fraction of the image masked, in whole cells")
        let cell = try b.config.int("mask_cell", 2, "side of a masking cell in ViT patches (the paper's 32 px mask patch on a ViT/16)", range: 1...1024)
        if try b.config.string("encoder_init", "mae", "mae: re-initialise the ViT as Lightly's MaskedVisionTransformerTIMM (Xavier); timm: keep the backbone's init", choices: ["mae", "timm"]) == "mae" {
            MaskedAutoencoder.initializeEncoder(vit, rng: &b.context.rng)
        }
        if try b.config.bool("fixed_pos_embed", true, "fixed sine-cosine position embedding in the encoder (Lightly's default)") {
            MaskedAutoencoder.fixSinCosPositionEmbedding(vit)
        }
        let pixels = vit.patchSize * vit.patchSize * vit.patchEmbed.proj.inChannels
        do {
            model = try SimMIMModel(encoder: vit, maskToken: MaskToken(dim: vit.dim), decoder: Linear(vit.dim, pixels, rng: &b.context.rng),
                                    maskRatio: ratio, maskCell: cell)
        } catch {
            let key = vit.gridSize % cell == 0 ? "method.mask_ratio" : "method.mask_cell"
            throw ConfigError.invalidValue(path: key, detail: "mask_ratio \(ratio) with mask_cell \(cell) on the ViT's \(vit.gridSize)×\(vit.gridSize) patch grid: \(error)")
        }
        guard let l = try b.makeLoss("simmim") as? SimMIMLoss else {
            throw ConfigError.invalidValue(path: "method", detail: "the registered 'simmim' loss is not Pretext's SimMIMLoss")
        }
        loss = l
        let size = try b.viewsConfig.int("input_size", vit.imageSize, "crop side (default and required: the ViT's image_size)")
        guard size == vit.imageSize else {
            throw ConfigError.invalidValue(path: "views.input_size", detail: "\(size) px differs from the ViT's image_size \(vit.imageSize): SimMIM's masks are drawn on the encoder's patch grid; set backbone.image_size=\(size) instead")
        }
        views = try b.makeViews("mae", defaults: ["input_size": .int(size), "min_scale": .float(0.67)])
    }

    public func step(_ batch: Batch, _ context: StepContext) throws -> StepOutput {
        let x = batch.views[0]
        var rng = context.rng
        let masked = try model.randomMasks(batch: x.shape[0], rng: &rng)
        let prediction = try model.predictMasked(x, masked: masked)
        return StepOutput(loss: try loss([prediction, model.targets(x, masked: masked)]))
    }

    public static let defaults = """
    method:
      mask_ratio: 0.6               # fraction of the image masked per image, in whole cells (paper and Lightly's benchmark 0.6)
      mask_cell: 2                  # masking cell side in ViT patches: 2 = 32 px cells on a ViT/16 (paper); 1 = per-patch masking (Lightly's example)
      encoder_init: mae             # mae: re-initialise the ViT as Lightly's MaskedVisionTransformerTIMM (Xavier, cls std 0.02); timm: keep the timm init
      fixed_pos_embed: true         # encoder position embedding = fixed sine-cosine, not trained (Lightly default)
    backbone:
      name: vit-s                   # SimMIM needs a ViT (paper: ViT-B, Swin); --backbone vit-t|vit-s|vit-b
    data:
      batch_size: 32                # every patch goes through the encoder (unlike MAE): about 0.12 GB of activations per 224 px image on a ViT-S/16
    optimizer:
      name: adamw                   # AdamW (paper, Lightly's benchmark)
      lr: 0.0000125                 # Lightly's benchmark: 1e-4 x batch/256 (paper 8e-4 at 2048), i.e. 1.25e-5 at the default batch of 32; rescale with --batch-size
      betas: [0.9, 0.999]           # Adam betas (paper, Lightly's benchmark)
      weight_decay: 0.05            # decoupled weight decay (paper 0.05)
      exclude_bias_and_norm: true   # no weight decay for biases, norms and the tokens (paper's code; Lightly's benchmark decays the tokens)
    schedule:
      name: cosine                  # learning rate: linear warm-up, then cosine per step (paper, Lightly's benchmark)
      warmup_epochs: 5              # warm-up epochs (Lightly's benchmark 10 of 100; 5 as the CPU recipes)
    views:
      preset: mae                   # Lightly's MAETransform(min_scale=0.67): random resized crop + flip; input_size = the ViT's image_size
      min_scale: 0.67               # smallest crop area fraction (paper 0.67)
    """
}

@_cdecl("pretext_plugin_abi_version")
public func pretextPluginABIVersion() -> Int32 { PluginABI.compiledVersion }

@_cdecl("pretext_plugin_register")
public func pretextPluginRegister() -> Int32 {
    PluginABI.register { registry in
        try MaskedModeling.register(in: registry)
        try MaskedModeling.registerSimMIM(in: registry)
        try registry.registerMethod("simmim", summary: "SimMIM (Xie et al. 2022): mask token in the ViT, linear decoder, L1 on masked pixels",
                                    defaults: SimMIM.defaults, demo: SimMIM.demo) { try SimMIM($0) }
    }
}
