import PretextCore
import PretextTensor

/// Barlow Twins' loss (Zbontar, Jing, Misra, LeCun, Deny 2021, arXiv:2103.03230), as Lightly's
/// `BarlowTwinsLoss`: the cross-correlation C of the two views' batch-standardised embeddings is
/// pushed to the identity — Σᵢ (Cᵢᵢ − 1)² (invariance) + λ Σ_{i≠j} Cᵢⱼ² (redundancy reduction).
/// `inputs` = [z_a, z_b], each [B, D]. Paper and Lightly: λ = 5e-3.
public final class BarlowTwinsLoss: Loss {
    public let lambda: Float
    /// Under mpirun: the cross-correlation of every rank's batch (`DistributedBatch`).
    public var gatherDistributed = true

    public init(lambda: Float = 5e-3) { self.lambda = lambda }

    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        guard inputs.count == 2, inputs[0].shape == inputs[1].shape, inputs[0].rank == 2, inputs[0].shape[0] > 1 else {
            throw TensorError.invalidArgument(op: "barlow_twins_loss", detail: "expects two [B, D] tensors of the same shape with B > 1, got \(inputs.map(\.shape))")
        }
        let z = try DistributedBatch.gathered(inputs, enabled: gatherDistributed)
        let terms = try RedundancyTerms.crossCorrelationTerms(z[0], z[1])
        return try terms.onDiagonal + terms.offDiagonal * lambda
    }
}
