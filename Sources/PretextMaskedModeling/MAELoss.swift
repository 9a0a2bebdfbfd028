import PretextCore
import PretextTensor

/// The masked-autoencoder reconstruction loss (He et al. 2021, "Masked Autoencoders Are Scalable
/// Vision Learners", arXiv:2111.06377): the mean squared error between predicted and true pixels of
/// the masked patches only.
///
/// Inputs: `[prediction, target]` (each [B, L, P]: P = patch·patch·channels pixels of L patches,
/// every patch counted — what a method passes when it predicts only the masked patches, as Lightly's
/// MAE does) or `[prediction, target, mask]` with mask [B, L] (1 = masked, counted; 0 = visible).
/// Loss = Σ_patches mask · mean_pixels((pred − target)²) / Σ mask.
///
/// With `normPixLoss` (the paper's default, `norm_pix_loss=True`) each target patch is first
/// standardised by its own mean and unbiased variance: (x − μ) / √(σ² + 1e-6). Without it the loss is
/// plain pixel MSE on the (normalised) images — what Lightly's MAE example and the shared CIFAR recipe use.
public final class MAELoss: Loss {
    public let normPixLoss: Bool
    public let eps: Float

    public init(normPixLoss: Bool = true, eps: Float = 1e-6) {
        self.normPixLoss = normPixLoss
        self.eps = eps
    }

    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        guard inputs.count == 2 || inputs.count == 3, inputs[0].shape == inputs[1].shape, inputs[0].rank == 3 else {
            throw TensorError.invalidArgument(op: "mae_loss", detail: "expects [prediction, target] ([B, L, P] each) and an optional mask [B, L], got \(inputs.map(\.shape))")
        }
        let pred = inputs[0]
        let target = try noGrad { try normPixLoss ? normalizedTarget(inputs[1].detached()) : inputs[1].detached() }
        let d = try pred - target
        let perPatch = try (d * d).mean(axes: [-1])                                          // [B, L]
        guard inputs.count == 3 else { return try perPatch.mean() }
        let mask = inputs[2].detached()
        guard mask.shape == Array(pred.shape.prefix(2)) else {
            throw TensorError.invalidArgument(op: "mae_loss", detail: "mask must be [B, L] = \(Array(pred.shape.prefix(2))), got \(mask.shape)")
        }
        let masked = mask.scalars.reduce(0, +)
        guard masked > 0 else {
            throw TensorError.invalidArgument(op: "mae_loss", detail: "the mask selects no patch (it needs 1 for masked patches)")
        }
        return try (perPatch * mask).sum() * (1 / masked)
    }

    /// Each patch (last axis) standardised by its mean and unbiased variance.
    public func normalizedTarget(_ target: Tensor) throws -> Tensor {
        let mu = try target.mean(axes: [-1], keepDims: true)
        let v = try target.variance(axes: [-1], correction: 1, keepDims: true)
        return try (target - mu) / (v + eps).sqrt()
    }
}
