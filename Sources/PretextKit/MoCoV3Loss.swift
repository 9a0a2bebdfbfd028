import PretextCore
import PretextTensor

/// MoCo v3's contrastive loss (Chen, Xie, He 2021, "An Empirical Study of Training Self-Supervised
/// Vision Transformers", arXiv:2104.02057, Algorithm 1; the official `moco/builder.py` `ctr`/`ctr_loss`):
/// InfoNCE of queries q [B, D] against keys k [B, D] with in-batch negatives only (no queue): both
/// L2-normalised, logits q·kᵀ / τ [B, B], the positive of query i is key i, cross-entropy averaged over
/// the batch, then multiplied by 2τ ("this loss is scaled by a constant 2τ", which makes its gradient
/// scale independent of τ). The method sums it over both directions, ctr(q1, k2) + ctr(q2, k1).
/// Default τ = 0.2 (the paper's ViT setting; 1.0 for its ResNet-50).
///
/// Lightly 1.6 has no MoCo v3 loss, and its `NTXentLoss(memory_bank_size=0)` is not this one: that is
/// SimCLR's 2B-way loss, whose negatives include the other embeddings of the same view. This mirrors the
/// official code instead; `Tests/Fixtures/make_mocov3_fixture.py` checks it against that formula in
/// PyTorch.
public final class MoCoV3Loss: Loss {
    public let temperature: Float
    /// Under mpirun: keys (and queries) of every rank's batch (`DistributedBatch`), as the official
    /// implementation's `concat_all_gather` of keys with labels offset by rank.
    public var gatherDistributed = true

    public init(temperature: Float = 0.2) {
        self.temperature = temperature
    }

    /// `inputs` = [queries (the online predictions of one view), keys (the momentum projections of the
    /// other view)], each [B, D]; the keys are normally computed without gradient.
    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        guard inputs.count == 2, inputs[0].shape == inputs[1].shape, inputs[0].rank == 2, inputs[0].shape[0] >= 1 else {
            throw TensorError.invalidArgument(op: "mocov3", detail: "expects queries and keys, two [B, D] tensors of the same shape, got \(inputs.map(\.shape))")
        }
        let all = try DistributedBatch.gathered(inputs, enabled: gatherDistributed)
        let q = try all[0].l2Normalized(axis: 1), k = try all[1].l2Normalized(axis: 1)
        let logits = try q.linear(weight: k, bias: nil) * (1 / temperature)       // q · kᵀ / τ, [B, B]
        return try logits.crossEntropy(labels: Array(0..<q.shape[0])) * (2 * temperature)
    }
}
