import PretextTensor

extension ProjectionHead {
    /// NNCLR's projector (Dwibedi et al. 2021, arXiv:2104.14548) as Lightly's `NNCLRProjectionHead`: two
    /// Linear(no bias)-BN-ReLU layers, then Linear(no bias)-BN. Lightly's defaults: 2048 → 2048 → 2048 → 256.
    public static func nnclrProjection(inDim: Int, hiddenDim: Int = 2048, outDim: Int = 256, rng: inout RNG) -> ProjectionHead {
        ProjectionHead([Block(inDim, hiddenDim, batchNorm: true, activation: .relu),
                        Block(hiddenDim, hiddenDim, batchNorm: true, activation: .relu),
                        Block(hiddenDim, outDim, batchNorm: true)], rng: &rng)
    }

    /// NNCLR's predictor as Lightly's `NNCLRPredictionHead`: Linear(no bias)-BN-ReLU-Linear(bias).
    /// Lightly's defaults: 256 → 4096 → 256.
    public static func nnclrPrediction(inDim: Int = 256, hiddenDim: Int = 4096, outDim: Int = 256, rng: inout RNG) -> ProjectionHead {
        ProjectionHead([Block(inDim, hiddenDim, batchNorm: true, activation: .relu), Block(hiddenDim, outDim)], rng: &rng)
    }
}
