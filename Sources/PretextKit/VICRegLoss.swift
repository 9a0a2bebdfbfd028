import PretextCore
import PretextTensor

/// VICReg's loss (Bardes, Ponce, LeCun 2022, "VICReg: Variance-Invariance-Covariance Regularization",
/// arXiv:2105.04906), as Lightly's `VICRegLoss`: λ·MSE(z_a, z_b) (invariance) + μ·½(v(z_a) + v(z_b))
/// (variance hinge, `RedundancyTerms.variance`) + ν·(c(z_a) + c(z_b)) (covariance,
/// `RedundancyTerms.covariance`). `inputs` = [z_a, z_b], each [B, D]. Paper and Lightly: λ = μ = 25,
/// ν = 1, ε = 1e-4.
public final class VICRegLoss: Loss {
    /// Under mpirun: the terms over every rank's batch (`DistributedBatch`, Lightly's gather_distributed).
    public var gatherDistributed = true
    public let invariance: Float, variance: Float, covariance: Float, eps: Float

    public init(invariance: Float = 25, variance: Float = 25, covariance: Float = 1, eps: Float = 1e-4) {
        self.invariance = invariance
        self.variance = variance
        self.covariance = covariance
        self.eps = eps
    }

    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        guard inputs.count == 2, inputs[0].shape == inputs[1].shape, inputs[0].rank == 2, inputs[0].shape[0] > 1 else {
            throw TensorError.invalidArgument(op: "vicreg_loss", detail: "expects two [B, D] tensors of the same shape with B > 1, got \(inputs.map(\.shape))")
        }
        let z = try DistributedBatch.gathered(inputs, enabled: gatherDistributed)
        let a = z[0], b = z[1]
        let inv = try a.mseLoss(b)
        let v = try (RedundancyTerms.variance(a, eps: eps) + RedundancyTerms.variance(b, eps: eps)) * 0.5
        let c = try RedundancyTerms.covariance(a) + RedundancyTerms.covariance(b)
        return try inv * invariance + v * variance + c * covariance
    }
}
