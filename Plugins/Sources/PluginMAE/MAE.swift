import Foundation
import PretextSDK
import PretextMaskedModeling

/// MAE (He, Chen, Xie, Li, Dollár, Girshick 2021, "Masked Autoencoders Are Scalable Vision Learners",
/// arXiv:2111.06377), as Lightly's MAE (`MaskedVisionTransformerTIMM` + `MAEDecoderTIMM`).
///
/// Each image is cut into patches and a random 75 % of them is hidden (per image, from the step's
/// seeded generator). The ViT encoder sees only the visible patches (and the class token); a
/// lightweight decoder receives the encoded visible tokens plus a shared mask token at every hidden
/// position (with a fixed sine-cosine position embedding) and predicts the pixels of the hidden
/// patches; the `mae` loss is their mean squared error (`norm_pix_loss`: against per-patch
/// standardised targets, the paper's default). Only the encoder is kept for downstream use.
///
/// Defaults (one comment per value in `defaults`): mask ratio 0.75; encoder re-initialised as MAE
/// (Xavier) with a fixed sine-cosine position embedding (Lightly's defaults); decoder width 128,
/// depth 4, 4 heads — scaled for a ViT-T/S on CPU (paper: 512 × 8 × 16); norm_pix_loss on (the
/// shared CIFAR recipe turns it off: plain MSE on normalised pixels); AdamW betas (0.9, 0.95), weight
/// decay 0.05 without decay for biases and norms; warm-up then cosine. Needs a ViT backbone; the input
/// size (`views.input_size`) defaults to, and must equal, the ViT's `backbone.image_size`.
///
/// After each epoch a reconstruction image is written to the run folder,
/// `reconstruction-epoch-NNN.png`: one row per image (the first `reconstruction_images` images this
/// process trained on, with a fixed mask), columns original | masked input | reconstruction (the
/// visible patches with the predicted hidden ones; per-patch normalised predictions are mapped back
/// with the true patch's mean and variance, as the MAE paper's figures).
public final class MAE: Method {
    public let backbone: any Backbone
    let encoder: VisionTransformer
    let decoder: MAEDecoder
    let model: MaskedAutoencoder
    let loss: MAELoss
    public let views: any Transform
    public var modules: [String: Module] { ["backbone": encoder, "decoder": decoder] }
    let outputDirectory: URL?
    let sampleCount: Int
    var sample: Tensor?

    public init(_ b: MethodBuilder) throws {
        guard let vit = try b.makeBackbone() as? VisionTransformer else {
            throw ConfigError.invalidValue(path: "backbone.name", detail: "MAE masks ViT patch tokens and needs a ViT backbone (vit-t, vit-s, vit-b), not '\(b.backboneName)'")
        }
        encoder = vit
        backbone = vit
        let ratio = try b.config.double("mask_ratio", 0.75, "fraction of the patches hidden from the encoder")
        let initMode = try b.config.string("encoder_init", "mae", "mae: re-initialise the ViT as MAE/Lightly (Xavier); timm: keep the backbone's init", choices: ["mae", "timm"])
        if initMode == "mae" { MaskedAutoencoder.initializeEncoder(vit, rng: &b.context.rng) }
        if try b.config.bool("fixed_pos_embed", true, "use MAE's fixed sine-cosine position embedding in the encoder (Lightly's default)") {
            MaskedAutoencoder.fixSinCosPositionEmbedding(vit)
        }
        let d = b.config.section("decoder")
        let dim = try d.int("dim", 128, "decoder width"), depth = try d.int("depth", 4, "decoder blocks")
        let heads = try d.int("heads", 4, "decoder attention heads"), mlpRatio = try d.float("mlp_ratio", 4, "decoder MLP ratio")
        guard dim > 0, dim % 4 == 0, heads > 0, dim % heads == 0, depth >= 0 else {
            throw ConfigError.invalidValue(path: "method.decoder", detail: "dim \(dim) must be a positive multiple of 4 and of heads \(heads), depth ≥ 0")
        }
        try d.validate()
        decoder = MAEDecoder(numPatches: vit.gridSize * vit.gridSize, patchSize: vit.patchSize, embedDim: vit.dim,
                             decoderDim: dim, depth: depth, heads: heads, mlpRatio: mlpRatio, rng: &b.context.rng)
        do {
            model = try MaskedAutoencoder(encoder: vit, decoder: decoder, maskRatio: ratio)
        } catch {
            throw ConfigError.invalidValue(path: "method.mask_ratio", detail: "\(error)")
        }
        guard let l = try b.makeLoss("mae") as? MAELoss else {
            throw ConfigError.invalidValue(path: "method", detail: "the registered 'mae' loss is not Pretext's MAELoss")
        }
        loss = l
        let size = try b.viewsConfig.int("input_size", vit.imageSize, "crop side (default and required: the ViT's image_size)")
        guard size == vit.imageSize else {
            throw ConfigError.invalidValue(path: "views.input_size", detail: "\(size) px differs from the ViT's image_size \(vit.imageSize): MAE's decoder positions are fixed to the encoder's patch grid; set backbone.image_size=\(size) instead")
        }
        views = try b.makeViews("mae", defaults: ["input_size": .int(size)])
        sampleCount = try b.config.int("reconstruction_images", 8, "images in the per-epoch reconstruction PNG (0 = none)")
        outputDirectory = b.context.outputDirectory
    }

    public func step(_ batch: Batch, _ context: StepContext) throws -> StepOutput {
        let x = batch.views[0]
        if sample == nil && sampleCount > 0 {
            sample = try x.narrowed(axis: 0, start: 0, length: Swift.min(sampleCount, x.shape[0])).detached().copy()
        }
        var rng = context.rng
        let (keep, masked) = model.randomMasks(batch: x.shape[0], rng: &rng)
        let prediction = try model.predictMasked(x, keep: keep, masked: masked)
        return StepOutput(loss: try loss([prediction, model.targets(x, masked: masked)]))
    }

    /// After the last step of an epoch: the reconstruction image.
    public func afterStep(_ context: StepContext) throws {
        guard (context.step + 1) % context.stepsPerEpoch == 0, let dir = outputDirectory, let images = sample else { return }
        let url = dir.appendingPathComponent(String(format: "reconstruction-epoch-%03d.png", context.epoch + 1))
        try MAEReconstruction.write(model: model, images: images, normPixLoss: loss.normPixLoss,
                                    normalize: (views as? MAEViews)?.normalize, to: url)
    }

    public static let defaults = """
    method:
      mask_ratio: 0.75              # fraction of the patches hidden from the encoder, per image (paper 0.75)
      norm_pix_loss: true           # loss against per-patch standardised pixels (paper default); false = plain pixel MSE (the CIFAR recipe)
      encoder_init: mae             # mae: re-initialise the ViT as MAE/Lightly (Xavier, cls std 0.02); timm: keep the timm init
      fixed_pos_embed: true         # encoder position embedding = MAE's fixed sine-cosine one, not trained (Lightly default)
      reconstruction_images: 8      # images in the reconstruction PNG written to the run folder each epoch (0 = none)
      decoder:
        dim: 128                    # decoder width (paper 512; 128 for ViT-T/S on CPU, the shared recipe)
        depth: 4                    # decoder transformer blocks (paper 8)
        heads: 4                    # decoder attention heads (paper 16)
        mlp_ratio: 4                # decoder MLP hidden = mlp_ratio x width (paper 4)
    backbone:
      name: vit-s                   # MAE needs a ViT (paper: ViT-B/L/H); --backbone vit-t|vit-s|vit-b
    data:
      batch_size: 64                # a ViT-S/16 at 224 px keeps about 75 MB of activations per image (about 5 GB at 64)
    optimizer:
      name: adamw                   # AdamW (paper)
      lr: 0.001                     # absolute rate for short CPU runs at batch 64-128 (the CIFAR recipe: 1e-3 at 128); paper: 1.5e-4 x batch/256 at batch 4096
      betas: [0.9, 0.95]            # Adam betas (paper)
      weight_decay: 0.05            # decoupled weight decay (paper 0.05)
      exclude_bias_and_norm: true   # no weight decay for biases, norms and tokens (paper)
    schedule:
      name: cosine                  # learning rate: linear warm-up, then cosine per step (paper)
      warmup_epochs: 5              # warm-up epochs (paper 40 of 800; 5 as the CIFAR recipe)
    views:
      preset: mae                   # random resized crop (scale 0.2-1, bicubic) + horizontal flip; input_size = the ViT's image_size
    """
}

@_cdecl("pretext_plugin_abi_version")
public func pretextPluginABIVersion() -> Int32 { PluginABI.compiledVersion }

@_cdecl("pretext_plugin_register")
public func pretextPluginRegister() -> Int32 {
    PluginABI.register { registry in
        try MaskedModeling.register(in: registry)
        try registry.registerMethod("mae", summary: "MAE (He et al. 2021): mask 75% of ViT patches, decode their pixels",
                                    defaults: MAE.defaults, demo: MAE.demo) { try MAE($0) }
    }
}
