import PretextTensor

/// Returns its input (torch's `nn.Identity`): a placeholder where a layer is switched off, e.g. the
/// max-pool of a CIFAR-stem ResNet.
public final class Identity: Module, Layer {
    public override init() { super.init() }
    public func callAsFunction(_ x: Tensor) throws -> Tensor { x }
}
