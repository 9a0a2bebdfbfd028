import PretextTensor

/// The terms the redundancy-reduction losses share (Barlow Twins, VICReg, and plugins of that family),
/// each from primitive ops so autograd differentiates them. Inputs are embeddings [B, D].
public enum RedundancyTerms {
    /// Barlow Twins' two terms of the cross-correlation C [D, D] = z̃aᵀ z̃b / B of the batch-standardised
    /// embeddings (each dimension to mean 0, biased variance 1, ε 1e-5 — `F.batch_norm` without affine,
    /// as Lightly): Σᵢ (Cᵢᵢ − 1)² and Σ_{i≠j} Cᵢⱼ². The diagonal comes from the embeddings directly
    /// (Cᵢᵢ = mean_b z̃a·z̃b), so no D × D mask is built (D is 8192 in the paper).
    public static func crossCorrelationTerms(_ a: Tensor, _ b: Tensor) throws -> (onDiagonal: Tensor, offDiagonal: Tensor) {
        let na = try a.batchNorm(weight: nil, bias: nil, runningMean: nil, runningVar: nil, training: true)
        let nb = try b.batchNorm(weight: nil, bias: nil, runningMean: nil, runningVar: nil, training: true)
        let scale = 1 / Float(a.shape[0])
        let c = try na.transposed().matmul(nb) * scale
        let diagonal = try (na * nb).sum(axes: [0]) * scale
        return try squaredTerms(c, diagonal: diagonal, target: 1)
    }

    /// Σᵢ (dᵢ − target)² and Σ_{i≠j} Mᵢⱼ² = Σ M² − Σ d², for a square M whose diagonal is `d`.
    static func squaredTerms(_ m: Tensor, diagonal d: Tensor, target: Float) throws -> (onDiagonal: Tensor, offDiagonal: Tensor) {
        let on = try (d - target).pow(2).sum()
        let off = try m.pow(2).sum() - d.pow(2).sum()
        return (on, off)
    }

    /// VICReg's variance term: mean over dimensions of relu(1 − √(Var + ε)), the unbiased variance over
    /// the batch — a hinge that keeps every dimension's standard deviation at 1 or above.
    public static func variance(_ x: Tensor, eps: Float) throws -> Tensor {
        try (1 - (try x.variance(axes: [0], correction: 1) + eps).sqrt()).relu().mean()
    }

    /// VICReg's covariance term: Σ_{i≠j} Covᵢⱼ² / D with Cov = x̄ᵀ x̄ / (B − 1), x̄ = x − mean — pushes the
    /// dimensions to decorrelate. The diagonal is the per-dimension variance (no D × D mask).
    public static func covariance(_ x: Tensor) throws -> Tensor {
        let n = x.shape[0], d = x.shape[1]
        let centred = try x - x.mean(axes: [0], keepDims: true)
        let scale = 1 / Float(Swift.max(n - 1, 1))
        let cov = try centred.transposed().matmul(centred) * scale
        let diagonal = try (centred * centred).sum(axes: [0]) * scale
        return try squaredTerms(cov, diagonal: diagonal, target: 0).offDiagonal * (1 / Float(d))
    }
}
