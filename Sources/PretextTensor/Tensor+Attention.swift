/// Scaled dot-product attention as one op over the fused `qkv` projection (PyTorch's
/// `F.scaled_dot_product_attention`, which timm's `Attention` calls, without masks or dropout).
///
/// Why one op: composed from permutes, batched matmuls and a softmax, a ViT's attention copied q, k, v
/// and the output through four permutes each way and ran the small per-head GEMMs and the softmax as
/// separate passes over memory. Here each (image, head) pair is one task on one thread: its q, k and v
/// are read in place from the `[N, L, 3·dim]` projection (row stride 3·dim), scores and softmax stay in
/// that thread's cache, and the output lands in `[N, L, dim]` — the layout the output projection wants.
/// The probabilities are kept for backward (as the composed version kept the softmax output).
extension Tensor {
    /// softmax(scale · q·kᵀ)·v per head, for `qkv` = [N, L, 3·heads·headDim] laid out as timm's
    /// `qkv` Linear output (q, k, v blocks, each heads × headDim). Returns [N, L, heads·headDim].
    public func scaledDotProductAttention(heads: Int, scale: Float) throws -> Tensor {
        guard rank == 3, heads > 0, shape[2] % (3 * heads) == 0 else {
            throw TensorError.invalidArgument(op: "scaled dot-product attention",
                                              detail: "expects qkv [N, L, 3·heads·head_dim] with \(heads) heads, got \(shape)")
        }
        let geometry = AttentionGeometry(batch: shape[0], tokens: shape[1], heads: heads, headDim: shape[2] / (3 * heads), scale: scale)
        let out = Tensor(uninitialized: [geometry.batch, geometry.tokens, geometry.dim])
        let probs = Tensor(uninitialized: [geometry.batch, heads, geometry.tokens, geometry.tokens])
        AttentionKernels.forward(geometry, qkv: storage.pointer, probs: probs.storage.pointer, out: out.storage.pointer)
        return Tensor.record(out, "scaled_dot_product_attention", [self]) { g in
            let gqkv = Tensor(uninitialized: self.shape)
            AttentionKernels.backward(geometry, qkv: self.storage.pointer, probs: probs.storage.pointer,
                                      gradOut: g.storage.pointer, gradQKV: gqkv.storage.pointer)
            return [gqkv]
        }
    }
}

/// Sizes of one attention call: `batch` images of `tokens` tokens, `heads` heads of `headDim`.
struct AttentionGeometry {
    let batch: Int, tokens: Int, heads: Int, headDim: Int, scale: Float
    var dim: Int { heads * headDim }
    /// Row stride of the fused qkv tensor.
    var qkvStride: Int { 3 * dim }

    /// Offset of head `h` of image `n`'s q (part 0), k (1) or v (2) in the qkv tensor.
    func qkvOffset(_ n: Int, _ h: Int, part: Int) -> Int { n * tokens * qkvStride + part * dim + h * headDim }
    /// Offset of head `h` of image `n` in a [N, L, dim] tensor.
    func outOffset(_ n: Int, _ h: Int) -> Int { n * tokens * dim + h * headDim }
    /// Offset of the [L, L] probabilities of pair (n, h).
    func probsOffset(_ n: Int, _ h: Int) -> Int { (n * heads + h) * tokens * tokens }
}
