import Foundation
import PretextCore
import PretextTensor

/// Decoupled contrastive loss (Yeh et al. 2022, "Decoupled Contrastive Learning", arXiv:2110.06848,
/// eq. 6), as Lightly's `DCLLoss` / `DCLWLoss`. NT-Xent without the positive pair in the denominator:
/// for each of the 2B embeddings, −w·sim(positive)/τ + log Σ exp(sim/τ) over the 2B − 2 others that are
/// neither itself nor its positive; the mean over both directions. DCLW weights the positive term with
/// the negative von Mises–Fisher weights w_i = 2 − B·softmax_i(z0_i·z1_i / σ) (computed without
/// gradient, as Lightly). Defaults: τ 0.1, σ 0.5.
public final class DCLLoss: Loss {
    public let temperature: Float
    /// σ of the weighting; nil for plain DCL (w = 1).
    public let sigma: Float?
    /// Under mpirun: negatives and weights over every rank's batch (`DistributedBatch`).
    public var gatherDistributed = true

    public init(temperature: Float = 0.1, sigma: Float? = nil) {
        self.temperature = temperature
        self.sigma = sigma
    }

    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        guard inputs.count == 2, inputs[0].shape == inputs[1].shape, inputs[0].rank == 2, inputs[0].shape[0] >= 2 else {
            throw TensorError.invalidArgument(op: "dcl", detail: "expects two [B, D] embeddings of the same shape with B >= 2, got \(inputs.map(\.shape))")
        }
        let all = try DistributedBatch.gathered(inputs, enabled: gatherDistributed)
        let z0 = try all[0].l2Normalized(axis: 1), z1 = try all[1].l2Normalized(axis: 1)
        let b = z0.shape[0]
        let positive = try (z0 * z1).sum(axes: [1]) * (1 / temperature)                  // [B]
        let weighted = try sigma.map { try positive * Self.misesFisherWeights(z0, z1, sigma: $0) } ?? positive
        let z = try Tensor.cat([z0, z1], axis: 0)
        let sim = try z.linear(weight: z, bias: nil) * (1 / temperature)                 // [2B, 2B]
        // Each row's negatives: every column but itself and its positive, pushed to −∞ otherwise.
        let mask = Tensor(shape: [2 * b, 2 * b]) { m in
            m.update(repeating: 0)
            for i in 0..<(2 * b) {
                m[i * 2 * b + i] = -1e9
                m[i * 2 * b + (i + b) % (2 * b)] = -1e9
            }
        }
        let negative = try (sim + mask).logSumExp(axes: [1])                             // [2B]
        return try negative.mean() - weighted.mean()
    }

    /// w_i = 2 − B·softmax_i(z0_i·z1_i / σ) on the normalised embeddings, as a constant.
    static func misesFisherWeights(_ z0: Tensor, _ z1: Tensor, sigma: Float) throws -> Tensor {
        try noGrad {
            let similarity = try (z0 * z1).sum(axes: [1]) * (1 / sigma)
            return try (try similarity.softmax(axis: 0) * (-Float(z0.shape[0]))) + 2
        }
    }
}
