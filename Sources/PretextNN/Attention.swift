import PretextTensor

/// Multi-head self-attention (Vaswani et al. 2017, arXiv:1706.03762) as timm's `Attention`: one fused
/// `qkv` Linear(dim, 3·dim) (bias on for ViTs, `qkv_bias=True`), `heads` heads of dim/heads, scale
/// head_dim^-½, softmax over keys, output projection `proj` Linear(dim, dim). Keys `qkv.*`, `proj.*`.
///
/// Forward over tokens [N, L, dim]: one GEMM for q, k and v, one permute to [3, N, heads, L, head_dim],
/// two batched GEMMs (q·kᵀ and attn·v), one permute back, one GEMM for `proj`.
public final class Attention: Module, Layer {
    public let qkv: Linear
    public let proj: Linear
    public let attnDrop: Dropout?
    public let projDrop: Dropout?
    public let heads: Int
    public let headDim: Int
    public let scale: Float

    public init(dim: Int, heads: Int, qkvBias: Bool = true, attnDrop: Float = 0, projDrop: Float = 0, rng: inout RNG) {
        precondition(heads > 0 && dim % heads == 0, "Attention: dim \(dim) must be divisible by heads \(heads)")
        self.heads = heads
        headDim = dim / heads
        scale = 1 / Float(headDim).squareRoot()
        qkv = Linear(dim, 3 * dim, bias: qkvBias, rng: &rng)
        proj = Linear(dim, dim, rng: &rng)
        self.attnDrop = attnDrop > 0 ? Dropout(p: attnDrop, rng: &rng) : nil
        self.projDrop = projDrop > 0 ? Dropout(p: projDrop, rng: &rng) : nil
        super.init()
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        guard x.rank == 3, x.shape[2] == heads * headDim else {
            throw TensorError.invalidArgument(op: "attention", detail: "expects tokens [N, L, \(heads * headDim)], got \(x.shape)")
        }
        let n = x.shape[0], l = x.shape[1], d = x.shape[2]
        let qkv = try self.qkv(x).reshaped([n, l, 3, heads, headDim]).permuted([2, 0, 3, 1, 4])   // [3, N, H, L, hd]
        let q = try qkv.narrowed(axis: 0, start: 0, length: 1).reshaped([n, heads, l, headDim]) * scale
        let kT = try qkv.narrowed(axis: 0, start: 1, length: 1).reshaped([n, heads, l, headDim]).transposed(-2, -1)
        let v = try qkv.narrowed(axis: 0, start: 2, length: 1).reshaped([n, heads, l, headDim])
        var attn = try q.matmul(kT).softmax(axis: -1)                                             // [N, H, L, L]
        if let attnDrop { attn = try attnDrop(attn) }
        let y = try attn.matmul(v).permuted([0, 2, 1, 3]).reshaped([n, l, d])
        let out = try proj(y)
        return try projDrop.map { try $0(out) } ?? out
    }
}
