import PretextTensor

extension ProjectionHead {
    /// Barlow Twins' projector (Zbontar et al. 2021, arXiv:2103.03230) as Lightly's
    /// `BarlowTwinsProjectionHead`: Linear(no bias)-BN-ReLU twice, then Linear(bias). Defaults (the
    /// paper's): 2048 → 8192 → 8192 → 8192.
    public static func barlowTwins(inDim: Int, hiddenDim: Int = 8192, outDim: Int = 8192, rng: inout RNG) -> ProjectionHead {
        vicreg(inDim: inDim, hiddenDim: hiddenDim, outDim: outDim, numLayers: 3, rng: &rng)
    }

    /// VICReg's expander (Bardes et al. 2022, arXiv:2105.04906) as Lightly's `VICRegProjectionHead`:
    /// (num_layers − 1) × Linear(no bias)-BN-ReLU, then Linear(bias). Defaults: 2048 → 8192 → 8192 → 8192.
    public static func vicreg(inDim: Int, hiddenDim: Int = 8192, outDim: Int = 8192, numLayers: Int = 3, rng: inout RNG) -> ProjectionHead {
        precondition(numLayers >= 2, "the expander needs at least 2 layers")
        var blocks = [Block(inDim, hiddenDim, batchNorm: true, activation: .relu)]
        for _ in 2..<numLayers { blocks.append(Block(hiddenDim, hiddenDim, batchNorm: true, activation: .relu)) }
        blocks.append(Block(hiddenDim, outDim))
        return ProjectionHead(blocks, rng: &rng)
    }
}
