import PretextNN
import PretextTensor

extension VisionTransformer {
    /// The ViT forward of SimMIM / iBOT students, as Lightly's `MaskedVisionTransformerTIMM.encode(images,
    /// mask=)`: patch embedding; the patches with mask 1 replaced by `maskToken` (before the position
    /// embeddings are added); the class token prepended; position embeddings added (resampled for a
    /// non-native grid); the blocks; the final norm. Returns every token [N, 1 + L, D], class token first.
    ///
    /// `mask` is [N, L] over the patches only (row-major patch order, 1 = masked), i.e. Lightly's boolean
    /// `mask` [N, 1 + L] without its class-token column (which iBOT keeps False), or Lightly's `idx_mask`
    /// minus 1 (SimMIM) as a 0/1 tensor (`PatchMask.tensor`). `mask == nil` is the plain forward
    /// (`encode(_:)`); the mask token is then unused.
    public func encode(_ images: Tensor, mask: Tensor?, maskToken: MaskToken) throws -> Tensor {
        try norm(transform(embed(images, mask: mask, maskToken: maskToken)))
    }

    /// Tokens before the blocks [N, 1 + L, D]: masked patch embeddings, class token, position embeddings.
    public func embed(_ images: Tensor, mask: Tensor?, maskToken: MaskToken) throws -> Tensor {
        guard let mask else { return try embed(images) }
        guard images.rank == 4 else {
            throw TensorError.invalidArgument(op: "vit", detail: "expects images [N, 3, H, W], got \(images.shape)")
        }
        guard maskToken.dim == dim else {
            throw TensorError.invalidArgument(op: "vit", detail: "the mask token has width \(maskToken.dim), the ViT \(dim)")
        }
        let n = images.shape[0]
        let grid = try patchEmbed.grid(height: images.shape[2], width: images.shape[3])
        let patches = try maskToken(patchEmbed(images), mask: mask)
        let cls = try clsToken.expanded(to: [n, 1, dim])
        return try Tensor.cat([cls, patches], axis: 1) + positionEmbedding(grid: grid)
    }
}
