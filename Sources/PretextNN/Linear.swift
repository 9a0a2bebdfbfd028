import PretextTensor

/// y = x·Wᵀ + b, as `torch.nn.Linear`: weight [out, in], bias [out]; keys `weight`, `bias`.
/// Initialised as PyTorch's default (kaiming_uniform a=√5, i.e. U(±1/√in), bias U(±1/√in)); networks
/// that use another scheme (timm ViT: trunc_normal 0.02, zero bias) re-initialise in place.
public final class Linear: Module, Layer {
    public let weight: Tensor
    public let bias: Tensor?

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    /// `initialize: false` leaves zeros, for layers a network re-initialises right away (or fills from
    /// a weight file), which saves drawing every weight twice.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, initialize: Bool = true, rng: inout RNG) {
        weight = Init.parameter([outFeatures, inFeatures])
        self.bias = bias ? Init.parameter([outFeatures]) : nil
        super.init()
        if initialize { Init.pytorchDefault(weight: weight, bias: self.bias, rng: &rng) }
    }

    /// A layer over given tensors (shared, not copied).
    public init(weight: Tensor, bias: Tensor?) {
        self.weight = weight
        self.bias = bias
        super.init()
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.linear(weight: weight, bias: bias)
    }
}
