import PretextTensor

/// A pre-norm transformer block as timm's ViT `Block` (Dosovitskiy et al. 2020, arXiv:2010.11929):
/// x + attn(norm1(x)), then + mlp(norm2(x)). Keys `norm1.*`, `attn.qkv.*`, `attn.proj.*`, `norm2.*`,
/// `mlp.fc1.*`, `mlp.fc2.*`. No LayerScale or stochastic depth (timm's defaults for vit_{t,s,b}).
public final class ViTBlock: Module, Layer {
    public let norm1: LayerNorm
    public let attn: Attention
    public let norm2: LayerNorm
    public let mlp: Mlp

    public init(dim: Int, heads: Int, mlpRatio: Float = 4, qkvBias: Bool = true, eps: Float = 1e-6,
                dropout: Float = 0, attnDropout: Float = 0, initialize: Bool = true, rng: inout RNG) {
        norm1 = LayerNorm(dim, eps: eps)
        attn = Attention(dim: dim, heads: heads, qkvBias: qkvBias, attnDrop: attnDropout, projDrop: dropout, initialize: initialize, rng: &rng)
        norm2 = LayerNorm(dim, eps: eps)
        mlp = Mlp(inFeatures: dim, hiddenFeatures: Int(Float(dim) * mlpRatio), drop: dropout, initialize: initialize, rng: &rng)
        super.init()
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let h = try x + attn(norm1(x))
        return try h + mlp(norm2(h))
    }
}
