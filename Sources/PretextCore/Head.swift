import PretextTensor
import PretextNN

/// A module on top of backbone features: projection, prediction, DINO or classifier heads.
public protocol Head: Module {
    var outputDim: Int { get }
    func callAsFunction(_ features: Tensor) throws -> Tensor
}
