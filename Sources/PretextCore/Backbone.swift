import PretextTensor
import PretextNN

/// A network that turns images [N, 3, H, W] into feature vectors [N, featureDim] (ResNet, ViT, …).
/// Heads are sized from `featureDim`, never by hand.
public protocol Backbone: Module {
    var featureDim: Int { get }
    /// Short architecture name stored with exported weights ("resnet18", "vit-s").
    var architecture: String { get }
    func callAsFunction(_ images: Tensor) throws -> Tensor
}
