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

    /// The block's output for some rows only: `rows` index the flattened tokens [N·L] of `x` [N, L, dim]
    /// and the result is [rows.count, dim], equal to `self(x)` reshaped to [N·L, dim] then
    /// row-selected. Attention still reads every token (keys and values need all of them); only the
    /// MLP and the residuals after it skip the rows nobody reads. An MAE decoder's last block needs
    /// only the masked patches' rows: a quarter less of its MLP at mask ratio 0.75.
    public func callAsFunction(_ x: Tensor, outputRows rows: [Int]) throws -> Tensor {
        guard x.rank == 3 else {
            throw TensorError.invalidArgument(op: "vit_block", detail: "expects tokens [N, L, dim], got \(x.shape)")
        }
        let (n, l, d) = (x.shape[0], x.shape[1], x.shape[2])
        let h = try (x + attn(norm1(x))).reshaped([n * l, d]).indexSelect(axis: 0, indices: rows)
        return try h + mlp(norm2(h))
    }
}
