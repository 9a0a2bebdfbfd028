import PretextCore
import PretextTensor

/// Negative cosine similarity, as Lightly's `NegativeCosineSimilarity` (BYOL, Grill et al. 2020,
/// arXiv:2006.07733; SimSiam, Chen & He 2020, arXiv:2011.10566): −mean over rows of
/// x0·x1 / (‖x0‖·‖x1‖). Minimum −1 (every pair aligned). `inputs` = [predictions, targets], each [B, D];
/// the caller detaches the targets (they come from the momentum network under no-grad).
public final class NegativeCosineSimilarityLoss: Loss {
    /// Norms below this are treated as this (PyTorch's `cosine_similarity` eps).
    public let eps: Float

    public init(eps: Float = 1e-8) { self.eps = eps }

    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        guard inputs.count == 2, inputs[0].shape == inputs[1].shape, inputs[0].rank == 2 else {
            throw TensorError.invalidArgument(op: "negative_cosine_similarity", detail: "expects two [B, D] tensors of the same shape, got \(inputs.map(\.shape))")
        }
        let a = try inputs[0].l2Normalized(axis: 1, eps: eps), b = try inputs[1].l2Normalized(axis: 1, eps: eps)
        return try (a * b).sum(axes: [1]).mean() * -1
    }
}
