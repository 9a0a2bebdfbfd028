import PretextCore
import PretextData
import PretextKit

/// Masked image modelling (MAE, He et al. 2021, arXiv:2111.06377; SimMIM, Xie et al. 2022,
/// arXiv:2111.09886; iBOT's masked student, Zhou et al. 2022, arXiv:2111.07832): the `mae` view preset,
/// the masked autoencoder (patch masking around a ViT, `MAEDecoder`), the learned `MaskToken` and the
/// masked ViT forward (`VisionTransformer.encode(_:mask:maskToken:)`), the mask generators (`PatchMask`),
/// SimMIM's model and the `mae` and `simmim` losses. An opt-in module of the framework's library,
/// outside the plugin umbrella `PretextSDK`: a plugin imports it and calls `register(in:)` (MAE's preset
/// and loss: the MAE and SimMIM plugins) or `registerSimMIM(in:)` from its registration function.
/// Registration skips the names another plugin already registered from this module, so several such
/// plugins load side by side.
public enum MaskedModeling {
    /// SimMIM's `simmim` loss (the SimMIM plugin also calls `register(in:)` for the `mae` view preset it uses).
    public static func registerSimMIM(in r: Registry) throws {
        guard r.entry(.loss, "simmim") == nil else { return }
        try r.registerLoss("simmim", summary: "SimMIM: L1 between predicted and true pixels of the masked patches (Xie et al. 2022)") { _, _ in
            SimMIMLoss()
        }
    }

    /// MAE's `mae` view preset and `mae` loss.
    public static func register(in r: Registry) throws {
        guard r.entry(.transform, "mae") == nil, r.entry(.loss, "mae") == nil else { return }
        try r.registerViewPreset("mae", summary: "MAE: random resized crop + flip") { k in
            let d = MAEViews.defaults
            return try MAEViews(inputSize: try k.size("input_size", d.inputSize, "output side in pixels"),
                                minScale: try k.c.float("min_scale", d.minScale, "smallest RandomResizedCrop area fraction"),
                                hflipProb: try k.probability("hflip_prob", d.hflipProb, "probability of a horizontal flip"),
                                interpolation: try k.interpolation(d.interpolation), normalize: try k.normalization())
        }
        try r.registerLoss("mae", summary: "MAE: pixel MSE on the masked patches, optionally per-patch normalised targets (He et al. 2021)") { c, _ in
            MAELoss(normPixLoss: try c.bool("norm_pix_loss", true, "standardise each target patch by its own mean and variance (the paper's default)"))
        }
    }
}
