import PretextTensor
import PretextNN

/// A network that turns images [N, 3, H, W] into feature vectors [N, featureDim] (ResNet, ViT, …).
/// Heads are sized from `featureDim`, never by hand.
public protocol Backbone: Module {
    var featureDim: Int { get }
    /// Short architecture name stored with exported weights ("resnet18", "vit-s").
    var architecture: String { get }
    func callAsFunction(_ images: Tensor) throws -> Tensor
    /// Floats of activations that one image of `side` × `side` pixels keeps for the backward pass: a
    /// first-order count for the memory check made before training (MemoryEstimate); 0 when unknown.
    func activationFloats(side: Int) -> Double
}

extension Backbone {
    /// Unknown: the memory check then counts parameters and inputs only.
    public func activationFloats(side: Int) -> Double { 0 }
}
