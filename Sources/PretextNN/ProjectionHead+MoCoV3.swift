import PretextTensor

extension ProjectionHead {
    /// MoCo v3's MLP heads (Chen, Xie, He 2021, "An Empirical Study of Training Self-Supervised Vision
    /// Transformers", arXiv:2104.02057, §3 and the official `moco/builder.py` `_build_mlp`): `numLayers`
    /// Linear layers without bias, each hidden one followed by BatchNorm1d and ReLU, the output one by a
    /// BatchNorm1d without affine parameters ("all layers in both MLPs have BN"; SimCLR's design with γ
    /// removed). The projector has 3 layers for a ViT (2 for the paper's ResNet-50), the predictor 2;
    /// hidden 4096, output 256.
    ///
    /// Lightly 1.6 has no MoCo v3 head class: this projector equals its
    /// `SimSiamProjectionHead(in, 4096, 256)` and both heads its `ProjectionHead` blocks
    /// `(in, hidden, BatchNorm1d, ReLU) … (hidden, out, BatchNorm1d(affine=False), None)`. With
    /// `affineOutput: true` the head is instead Lightly's `MoCoProjectionHead(in, hidden, out,
    /// num_layers, batch_norm=True)` — its docstring's MoCo v3 setting, whose output BN keeps γ and β.
    public static func mocoV3(inDim: Int, hiddenDim: Int = 4096, outDim: Int = 256, numLayers: Int,
                              affineOutput: Bool = false, rng: inout RNG) -> ProjectionHead {
        precondition(numLayers >= 1, "a MoCo v3 head needs at least one layer")
        var blocks: [Block] = []
        for i in 0..<(numLayers - 1) {
            blocks.append(Block(i == 0 ? inDim : hiddenDim, hiddenDim, batchNorm: true, activation: .relu))
        }
        blocks.append(Block(numLayers == 1 ? inDim : hiddenDim, outDim, batchNorm: true, batchNormAffine: affineOutput))
        return ProjectionHead(blocks, rng: &rng)
    }

    /// MoCo v3's projector for a ViT: `mocoV3` with 3 layers, features → 4096 → 4096 → 256.
    public static func mocoV3Projection(inDim: Int, hiddenDim: Int = 4096, outDim: Int = 256, numLayers: Int = 3,
                                        affineOutput: Bool = false, rng: inout RNG) -> ProjectionHead {
        mocoV3(inDim: inDim, hiddenDim: hiddenDim, outDim: outDim, numLayers: numLayers, affineOutput: affineOutput, rng: &rng)
    }

    /// MoCo v3's predictor: `mocoV3` with 2 layers, 256 → 4096 → 256.
    public static func mocoV3Prediction(inDim: Int = 256, hiddenDim: Int = 4096, outDim: Int = 256, numLayers: Int = 2,
                                        affineOutput: Bool = false, rng: inout RNG) -> ProjectionHead {
        mocoV3(inDim: inDim, hiddenDim: hiddenDim, outDim: outDim, numLayers: numLayers, affineOutput: affineOutput, rng: &rng)
    }
}
