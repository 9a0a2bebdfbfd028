import PretextNN
import PretextTensor

/// DINO's projection head (Caron et al. 2021, arXiv:2104.14294) as Lightly's `DINOProjectionHead`:
/// an MLP (default 3 layers: Linear-GELU, Linear-GELU, Linear to the bottleneck; optional BatchNorm1d
/// after the hidden Linears, for ResNet backbones), L2 normalisation, then a weight-normalised,
/// bias-free Linear `last_layer` from the bottleneck to `outputDim`.
///
/// `outputDim` is the number of prototypes K the softmax of the DINO loss runs over (65536 in the
/// paper, 2048 in Lightly's CIFAR-10 benchmark) — not the backbone's feature size, which is `inputDim`.
///
/// Keys as Lightly: `layers.0.weight`, …, `last_layer.weight_g`, `last_layer.weight_v`. Init as Lightly:
/// MLP Linears trunc_normal std 0.02 with zero bias (`truncNormalInit: false` keeps PyTorch's default,
/// which is what Lightly's CIFAR benchmark gets when it swaps in a 2-layer MLP); `last_layer.weight_v`
/// PyTorch default, `weight_g` = 1. With `normLastLayer` (default, the paper's `norm_last_layer=True`)
/// weight_g is frozen at 1, so the last layer's rows are unit vectors. `freezeLastLayer` epochs: call
/// `cancelLastLayerGradients(epoch:)` after `backward()` and before the optimizer step, as DINO does
/// for its first epoch(s).
public final class DINOHead: Module, Layer {
    public let layers: Sequential
    public let lastLayer: WeightNormLinear
    public let inputDim: Int
    public let bottleneckDim: Int
    public let outputDim: Int
    /// Epochs during which the last layer receives no update (-1 or 0: never frozen).
    public var freezeLastLayer: Int

    public init(inputDim: Int, hiddenDim: Int = 2048, bottleneckDim: Int = 256, outputDim: Int = 65536,
                batchNorm: Bool = false, numLayers: Int = 3, freezeLastLayer: Int = -1, normLastLayer: Bool = true,
                truncNormalInit: Bool = true, rng: inout RNG) {
        precondition(numLayers >= 1, "DINO head needs at least one layer")
        var blocks: [ProjectionHead.Block] = []
        if numLayers == 1 {
            blocks.append(.init(inputDim, bottleneckDim))
        } else {
            blocks.append(.init(inputDim, hiddenDim, batchNorm: batchNorm, activation: .gelu))
            for _ in 2..<numLayers { blocks.append(.init(hiddenDim, hiddenDim, batchNorm: batchNorm, activation: .gelu)) }
            blocks.append(.init(hiddenDim, bottleneckDim))
        }
        layers = ProjectionHead(blocks, rng: &rng).layers
        if truncNormalInit {
            for (_, m) in layers.namedModules() {
                if let lin = m as? Linear {
                    Init.truncNormal(lin.weight, std: 0.02, rng: &rng)
                    if let b = lin.bias { Init.zeros(b) }
                }
            }
        }
        lastLayer = WeightNormLinear(bottleneckDim, outputDim, rng: &rng)
        if normLastLayer { lastLayer.weightG.requiresGrad = false }
        self.inputDim = inputDim
        self.bottleneckDim = bottleneckDim
        self.outputDim = outputDim
        self.freezeLastLayer = freezeLastLayer
        super.init()
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let z = try layers(x).l2Normalized(axis: -1, eps: 1e-12)
        return try lastLayer(z)
    }

    /// Drops the last layer's gradients while `epoch < freezeLastLayer` (Lightly's
    /// `cancel_last_layer_gradients`): call between `backward()` and the optimizer step.
    public func cancelLastLayerGradients(epoch: Int) {
        guard epoch < freezeLastLayer else { return }
        lastLayer.weightG.grad = nil
        lastLayer.weightV.grad = nil
    }
}
