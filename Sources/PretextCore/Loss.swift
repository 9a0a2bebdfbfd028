import PretextTensor
/// A training objective over a method's outputs (e.g. two projections for NT-Xent). Stateful losses
/// (a DINO centre, a memory bank) keep their state and expose it for checkpoints through the method.
public protocol Loss: AnyObject {
    func callAsFunction(_ inputs: [Tensor]) throws -> Tensor
}
