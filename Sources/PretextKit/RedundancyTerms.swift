import PretextTensor

/// The terms the redundancy-reduction losses share (Barlow Twins, VICReg, and plugins of that family),
/// each from primitive ops so autograd differentiates them. Inputs are embeddings [B, D].
public enum RedundancyTerms {
    /// Barlow Twins' cross-correlation C [D, D] = z̃aᵀ z̃b / B of the batch-standardised embeddings
    /// (each dimension to mean 0, biased variance 1, ε 1e-5 — `F.batch_norm` without affine, as Lightly).
    public static func crossCorrelation(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let na = try a.batchNorm(weight: nil, bias: nil, runningMean: nil, runningVar: nil, training: true)
        let nb = try b.batchNorm(weight: nil, bias: nil, runningMean: nil, runningVar: nil, training: true)
        return try na.transposed().matmul(nb) * (1 / Float(a.shape[0]))
    }

    /// Σᵢ (Mᵢᵢ − 1)² and Σ_{i≠j} Mᵢⱼ² of a square matrix M.
    public static func diagonalAndOffDiagonal(_ m: Tensor) throws -> (onDiagonal: Tensor, offDiagonal: Tensor) {
        let eye = identity(m.shape[0])
        let on = try (m * eye - eye).pow(2).sum()
        let off = try (m * (1 - eye)).pow(2).sum()
        return (on, off)
    }

    /// VICReg's variance term: mean over dimensions of relu(1 − √(Var + ε)), the unbiased variance over
    /// the batch — a hinge that keeps every dimension's standard deviation at 1 or above.
    public static func variance(_ x: Tensor, eps: Float) throws -> Tensor {
        try (1 - (try x.variance(axes: [0], correction: 1) + eps).sqrt()).relu().mean()
    }

    /// VICReg's covariance term: Σ_{i≠j} Covᵢⱼ² / D with Cov = x̄ᵀ x̄ / (B − 1), x̄ = x − mean — pushes the
    /// dimensions to decorrelate.
    public static func covariance(_ x: Tensor) throws -> Tensor {
        let n = x.shape[0], d = x.shape[1]
        let centred = try x - x.mean(axes: [0], keepDims: true)
        let cov = try centred.transposed().matmul(centred) * (1 / Float(Swift.max(n - 1, 1)))
        return try diagonalAndOffDiagonal(cov).offDiagonal * (1 / Float(d))
    }

    static func identity(_ n: Int) -> Tensor {
        var values = [Float](repeating: 0, count: n * n)
        for i in 0..<n { values[i * n + i] = 1 }
        return Tensor(shape: [n, n], scalars: values)
    }
}
