import PretextTensor

/// A module with one input and one output, so it can sit in a `Sequential` (torch's `nn.Module` whose
/// `forward` takes a single tensor). Every layer, block and network of PretextNN conforms.
public protocol Layer: Module {
    func callAsFunction(_ x: Tensor) throws -> Tensor
}
