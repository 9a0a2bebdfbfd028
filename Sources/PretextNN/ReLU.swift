import PretextTensor

/// max(0, x), as `torch.nn.ReLU` (no parameters; it still takes an index in a `Sequential`, as in torch).
public final class ReLU: Module, Layer {
    public override init() { super.init() }
    public func callAsFunction(_ x: Tensor) throws -> Tensor { x.relu() }
}
