import PretextTensor

/// Layer normalisation (Ba et al. 2016, arXiv:1607.06450) over the last dimension, as
/// `torch.nn.LayerNorm(dim)`: `weight` (1), `bias` (0). PyTorch's default eps is 1e-5; timm's ViTs use
/// 1e-6 (`partial(nn.LayerNorm, eps=1e-6)`), which `VisionTransformer` passes.
public final class LayerNorm: Module, Layer {
    public let weight: Tensor
    public let bias: Tensor
    public let eps: Float

    public init(_ dim: Int, eps: Float = 1e-5) {
        weight = Tensor.ones([dim], requiresGrad: true)
        bias = Tensor.zeros([dim], requiresGrad: true)
        self.eps = eps
        super.init()
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.layerNorm(weight: weight, bias: bias, eps: eps)
    }
}
