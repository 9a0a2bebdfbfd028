import PretextCore
import PretextData
import PretextKit

/// Masked image modelling (MAE, He et al. 2021, arXiv:2111.06377; SimMIM would share it): the `mae`
/// view preset, the masked autoencoder (patch masking around a ViT, `MAEDecoder`) and the `mae` loss.
/// An opt-in module of the framework's library, outside the plugin umbrella `PretextSDK`: a plugin
/// imports it and calls `register(in:)` from its registration function (the MAE plugin does).
public enum MaskedModeling {
    public static func register(in r: Registry) throws {
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
