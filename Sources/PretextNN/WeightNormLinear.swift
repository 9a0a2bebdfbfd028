import PretextTensor

/// A bias-free Linear with weight normalisation (Salimans & Kingma 2016, arXiv:1602.07868) as
/// `torch.nn.utils.weight_norm(nn.Linear(in, out, bias=False))`: weight = g · v / ‖v‖ with the norm per
/// output row; keys `weight_g` [out, 1] and `weight_v` [out, in] (the keys Lightly's DINO head has).
public final class WeightNormLinear: Module, Layer {
    public let weightG: Tensor
    public let weightV: Tensor

    /// v gets PyTorch's default Linear init; g is set to 1 (as Lightly's DINO head does after
    /// `weight_norm`, instead of torch's g = ‖v‖).
    public init(_ inFeatures: Int, _ outFeatures: Int, rng: inout RNG) {
        weightV = Init.parameter([outFeatures, inFeatures])
        weightG = Tensor.ones([outFeatures, 1], requiresGrad: true)
        super.init()
        Init.kaimingUniform(weightV, rng: &rng)
    }

    /// The effective weight g · v / ‖v‖ [out, in].
    public func weight() throws -> Tensor {
        let norm = try (weightV * weightV).sum(axes: [1], keepDims: true).sqrt()
        return try weightV * (weightG / norm)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.linear(weight: weight(), bias: nil)
    }
}
