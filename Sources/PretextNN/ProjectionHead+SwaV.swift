import PretextTensor

extension ProjectionHead {
    /// SwaV's projection head (Caron et al. 2020, arXiv:2006.09882) as Lightly 1.6's `SwaVProjectionHead`:
    /// Linear(no bias)-BN-ReLU, then Linear(bias). Lightly's defaults: 2048 → 2048 → 128.
    public static func swavProjection(inDim: Int = 2048, hiddenDim: Int = 2048, outDim: Int = 128, rng: inout RNG) -> ProjectionHead {
        ProjectionHead([Block(inDim, hiddenDim, batchNorm: true, activation: .relu), Block(hiddenDim, outDim)], rng: &rng)
    }
}
