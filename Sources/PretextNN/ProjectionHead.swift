import PretextTensor

/// An MLP head built from blocks, as Lightly's `ProjectionHead`: each block is Linear(in, out) →
/// optional BatchNorm1d(out) → optional activation. The Linear has a bias only when no batch norm
/// follows (Lightly's rule; overridable per block). Keys equal Lightly's: `layers.0.weight`,
/// `layers.1.running_mean`, … (activations take an index, as in torch.nn.Sequential).
/// PyTorch default initialisation (Linear kaiming_uniform a=√5, BN 1/0), as Lightly leaves it.
public final class ProjectionHead: Module, Layer {
    public enum Activation: Sendable { case relu, gelu }

    /// One Linear (+ BN) (+ activation) block.
    public struct Block: Sendable {
        public var inDim: Int
        public var outDim: Int
        public var batchNorm: Bool
        public var activation: Activation?
        /// nil: bias iff no batch norm (Lightly's default).
        public var bias: Bool?
        /// false: the batch norm has no weight and bias (SimSiam's output layer, `affine=False`).
        public var batchNormAffine: Bool
        public init(_ inDim: Int, _ outDim: Int, batchNorm: Bool = false, activation: Activation? = nil, bias: Bool? = nil,
                    batchNormAffine: Bool = true) {
            self.inDim = inDim
            self.outDim = outDim
            self.batchNorm = batchNorm
            self.activation = activation
            self.bias = bias
            self.batchNormAffine = batchNormAffine
        }
    }

    public let layers: Sequential
    public let inputDim: Int
    public let outputDim: Int

    public init(_ blocks: [Block], rng: inout RNG) {
        precondition(!blocks.isEmpty, "ProjectionHead needs at least one block")
        var list: [any Layer] = []
        for b in blocks {
            list.append(Linear(b.inDim, b.outDim, bias: b.bias ?? !b.batchNorm, rng: &rng))
            if b.batchNorm { list.append(BatchNorm(b.outDim, affine: b.batchNormAffine)) }
            switch b.activation {
            case .relu?: list.append(ReLU())
            case .gelu?: list.append(GELU())
            case nil: break
            }
        }
        layers = Sequential(list)
        inputDim = blocks[0].inDim
        outputDim = blocks[blocks.count - 1].outDim
        super.init()
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try layers(x) }

    /// SimCLR's projection head (Chen et al. 2020, arXiv:2002.05709) as Lightly 1.6's
    /// `SimCLRProjectionHead(input, hidden, output, num_layers=2, batch_norm=True)`: Linear-BN-ReLU,
    /// (num_layers − 2)× more Linear-BN-ReLU, then Linear-BN — note Lightly puts a BatchNorm1d (and
    /// so no bias) on the output layer too. Lightly's defaults: 2048 → 2048 → 128.
    public static func simclr(inDim: Int, hiddenDim: Int = 2048, outDim: Int = 128, numLayers: Int = 2,
                              batchNorm: Bool = true, rng: inout RNG) -> ProjectionHead {
        precondition(numLayers >= 2, "SimCLR head needs at least 2 layers")
        var blocks = [Block(inDim, hiddenDim, batchNorm: batchNorm, activation: .relu)]
        for _ in 2..<numLayers { blocks.append(Block(hiddenDim, hiddenDim, batchNorm: batchNorm, activation: .relu)) }
        blocks.append(Block(hiddenDim, outDim, batchNorm: batchNorm))
        return ProjectionHead(blocks, rng: &rng)
    }

    /// MoCo v2's head (Chen et al. 2020, arXiv:2003.04297) as Lightly's `MoCoProjectionHead(input,
    /// hidden, output)` with its defaults num_layers=2, batch_norm=False: Linear-ReLU-Linear, both with
    /// bias. Lightly's defaults: 2048 → 2048 → 128.
    public static func mocoV2(inDim: Int, hiddenDim: Int = 2048, outDim: Int = 128, rng: inout RNG) -> ProjectionHead {
        ProjectionHead([Block(inDim, hiddenDim, activation: .relu), Block(hiddenDim, outDim)], rng: &rng)
    }

    /// BYOL's projector (Grill et al. 2020, arXiv:2006.07733) as Lightly's `BYOLProjectionHead`:
    /// Linear(no bias)-BN-ReLU-Linear(bias). Lightly's defaults: 2048 → 4096 → 256.
    public static func byolProjection(inDim: Int, hiddenDim: Int = 4096, outDim: Int = 256, rng: inout RNG) -> ProjectionHead {
        ProjectionHead([Block(inDim, hiddenDim, batchNorm: true, activation: .relu), Block(hiddenDim, outDim)], rng: &rng)
    }

    /// SimSiam's projector (Chen & He 2021, arXiv:2011.10566) as Lightly's `SimSiamProjectionHead`:
    /// three Linear(no bias)-BN layers, ReLU after the first two, the output BN without affine
    /// parameters. Lightly's defaults: 2048 → 2048 → 2048 → 2048.
    public static func simsiamProjection(inDim: Int, hiddenDim: Int = 2048, outDim: Int = 2048, rng: inout RNG) -> ProjectionHead {
        ProjectionHead([Block(inDim, hiddenDim, batchNorm: true, activation: .relu),
                        Block(hiddenDim, hiddenDim, batchNorm: true, activation: .relu),
                        Block(hiddenDim, outDim, batchNorm: true, batchNormAffine: false)], rng: &rng)
    }

    /// SimSiam's predictor as Lightly's `SimSiamPredictionHead`: Linear(no bias)-BN-ReLU-Linear(bias),
    /// a bottleneck (defaults 2048 → 512 → 2048).
    public static func simsiamPrediction(inDim: Int = 2048, hiddenDim: Int = 512, outDim: Int = 2048, rng: inout RNG) -> ProjectionHead {
        ProjectionHead([Block(inDim, hiddenDim, batchNorm: true, activation: .relu), Block(hiddenDim, outDim)], rng: &rng)
    }

    /// BYOL's predictor as Lightly's `BYOLPredictionHead`: same shape as the projector, defaults
    /// 256 → 4096 → 256.
    public static func byolPrediction(inDim: Int = 256, hiddenDim: Int = 4096, outDim: Int = 256, rng: inout RNG) -> ProjectionHead {
        ProjectionHead([Block(inDim, hiddenDim, batchNorm: true, activation: .relu), Block(hiddenDim, outDim)], rng: &rng)
    }
}
