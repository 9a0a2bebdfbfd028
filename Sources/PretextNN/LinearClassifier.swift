import PretextTensor

/// A linear classifier on frozen or fine-tuned features (linear probe / fine-tune head): one Linear
/// with keys `weight` [classes, inDim], `bias` — a state dict that loads into a plain `nn.Linear`.
/// Initialised Xavier-uniform with zero bias (the fine-tuning heads' common choice); `.zero` makes a
/// zero-initialised head, `.pytorchDefault` PyTorch's Linear init.
public final class LinearClassifier: Module, Layer {
    public enum Initialization: Sendable { case xavierUniform, zero, pytorchDefault }

    public let weight: Tensor
    public let bias: Tensor
    public var outputDim: Int { weight.shape[0] }
    public var inputDim: Int { weight.shape[1] }

    public init(inDim: Int, numClasses: Int, initialization: Initialization = .xavierUniform, rng: inout RNG) {
        weight = Init.parameter([numClasses, inDim])
        bias = Init.parameter([numClasses])
        super.init()
        switch initialization {
        case .xavierUniform: Init.xavierUniform(weight, rng: &rng)
        case .zero: break
        case .pytorchDefault: Init.pytorchDefault(weight: weight, bias: bias, rng: &rng)
        }
    }

    public func callAsFunction(_ features: Tensor) throws -> Tensor {
        try features.linear(weight: weight, bias: bias)
    }
}
