import PretextTensor

/// GELU (Hendrycks & Gimpel 2016, arXiv:1606.08415), the exact erf form by default as `torch.nn.GELU()`
/// (what timm's ViT MLP and Lightly's DINO head use); `approximate: true` is the tanh form.
public final class GELU: Module, Layer {
    public let approximate: Bool
    public init(approximate: Bool = false) {
        self.approximate = approximate
        super.init()
    }
    public func callAsFunction(_ x: Tensor) throws -> Tensor { x.gelu(approximate: approximate) }
}
