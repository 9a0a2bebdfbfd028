import PretextTensor

/// Multi-head self-attention (Vaswani et al. 2017, arXiv:1706.03762) as timm's `Attention`: one fused
/// `qkv` Linear(dim, 3·dim) (bias on for ViTs, `qkv_bias=True`), `heads` heads of dim/heads, scale
/// head_dim^-½, softmax over keys, output projection `proj` Linear(dim, dim). Keys `qkv.*`, `proj.*`.
///
/// Forward over tokens [N, L, dim]: one `qkv` GEMM, then `Tensor.scaledDotProductAttention`, which
/// reads q, k and v in place and writes [N, L, dim] for `proj` (no permutes, one task per image and
/// head). With attention dropout the composed path runs instead: q, k and v from the three row blocks
/// of the `qkv` weight, each permuted into the layout its batched GEMM needs, softmax, dropout, one
/// permute back. The fused op took the DINO ViT-S/16 step (pretext-bench B3) from 8.7–9.9 to 7.4–8.0 s
/// on a 2-core Zen 3 (README, session 12).
public final class Attention: Module, Layer {
    public let qkv: Linear
    public let proj: Linear
    public let attnDrop: Dropout?
    public let projDrop: Dropout?
    public let heads: Int
    public let headDim: Int
    public let scale: Float

    /// `initialize: false` leaves the Linears zero (the ViT re-initialises them as timm does).
    public init(dim: Int, heads: Int, qkvBias: Bool = true, attnDrop: Float = 0, projDrop: Float = 0, initialize: Bool = true, rng: inout RNG) {
        precondition(heads > 0 && dim % heads == 0, "Attention: dim \(dim) must be divisible by heads \(heads)")
        self.heads = heads
        headDim = dim / heads
        scale = 1 / Float(headDim).squareRoot()
        qkv = Linear(dim, 3 * dim, bias: qkvBias, initialize: initialize, rng: &rng)
        proj = Linear(dim, dim, initialize: initialize, rng: &rng)
        self.attnDrop = attnDrop > 0 ? Dropout(p: attnDrop, rng: &rng) : nil
        self.projDrop = projDrop > 0 ? Dropout(p: projDrop, rng: &rng) : nil
        super.init()
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        guard x.rank == 3, x.shape[2] == heads * headDim else {
            throw TensorError.invalidArgument(op: "attention", detail: "expects tokens [N, L, \(heads * headDim)], got \(x.shape)")
        }
        guard let attnDrop else {
            let out = try proj(try qkv(x).scaledDotProductAttention(heads: heads, scale: scale))
            return try projDrop.map { try $0(out) } ?? out
        }
        return try composed(x, attnDrop: attnDrop)
    }

    /// The same attention composed from primitive ops, with dropout on the attention probabilities
    /// (the fused op has none).
    func composed(_ x: Tensor, attnDrop: Dropout) throws -> Tensor {
        let n = x.shape[0], l = x.shape[1], d = x.shape[2]
        func part(_ i: Int, scale s: Float = 1) throws -> Tensor {
            var w = try qkv.weight.narrowed(axis: 0, start: i * d, length: d)
            var b = try qkv.bias.map { try $0.narrowed(axis: 0, start: i * d, length: d) }
            if s != 1 { w = w * s; b = b.map { $0 * s } }
            return try x.linear(weight: w, bias: b).reshaped([n, l, heads, headDim])
        }
        let q = try part(0, scale: scale).permuted([0, 2, 1, 3])                                  // [N, H, L, hd]
        let kT = try part(1).permuted([0, 2, 3, 1])                                               // [N, H, hd, L]
        let v = try part(2).permuted([0, 2, 1, 3])                                                // [N, H, L, hd]
        let attn = try attnDrop(try q.matmul(kT).softmax(axis: -1))                               // [N, H, L, L]
        let y = try attn.matmul(v).permuted([0, 2, 1, 3]).reshaped([n, l, d])
        let out = try proj(y)
        return try projDrop.map { try $0(out) } ?? out
    }
}
