import PretextNN
import PretextTensor

/// SimMIM's forward pass (Xie et al. 2022, "SimMIM: A Simple Framework for Masked Image Modeling",
/// arXiv:2111.09886), as Lightly's SimMIM benchmark (`benchmarks/imagenet/vitb16/simmim.py`):
///
/// 1. per image a random 60 % of the cells of `maskCell` × `maskCell` patches is masked
///    (`PatchMask.randomGrid`, Lightly's `random_grid_token_mask`);
/// 2. the ViT sees every patch, the masked ones replaced by the learned mask token before the position
///    embeddings are added (`VisionTransformer.encode(_:mask:maskToken:)`);
/// 3. a single Linear (`decoder`, width → patch·patch·3) predicts the pixels of each masked patch from its
///    final-normed token; `targets` are those patches of the input (`VisionTransformer.patchify` order).
///
/// Unlike MAE the encoder processes the mask tokens and the decoder is one layer.
public final class SimMIMModel {
    public let encoder: VisionTransformer
    public let maskToken: MaskToken
    public let decoder: Linear
    public let maskRatio: Double
    /// Side of a masking cell, in ViT patches (1 = per-patch random masking, Lightly's SimMIM example).
    public let maskCell: Int

    public init(encoder: VisionTransformer, maskToken: MaskToken, decoder: Linear, maskRatio: Double = 0.6, maskCell: Int = 2) throws {
        let pixels = encoder.patchSize * encoder.patchSize * encoder.patchEmbed.proj.inChannels
        guard maskToken.dim == encoder.dim, decoder.inFeatures == encoder.dim, decoder.outFeatures == pixels else {
            throw TensorError.invalidArgument(op: "simmim", detail: "the mask token (\(maskToken.dim)) and decoder (\(decoder.inFeatures) → \(decoder.outFeatures)) must fit the ViT (width \(encoder.dim), \(pixels) pixels per patch)")
        }
        self.encoder = encoder
        self.maskToken = maskToken
        self.decoder = decoder
        self.maskRatio = maskRatio
        self.maskCell = maskCell
        var probe = RNG(seed: 0)
        _ = try PatchMask.randomGrid(batch: 1, grid: encoder.gridSize, cell: maskCell, ratio: maskRatio, rng: &probe)
    }

    public var patchCount: Int { encoder.gridSize * encoder.gridSize }

    /// Random masked patch indices for `batch` images (the same count for each).
    public func randomMasks(batch: Int, rng: inout RNG) throws -> [[Int]] {
        try PatchMask.randomGrid(batch: batch, grid: encoder.gridSize, cell: maskCell, ratio: maskRatio, rng: &rng)
    }

    /// Predicted pixels of the masked patches [N, M, patch·patch·3], in the order of `masked`.
    public func predictMasked(_ images: Tensor, masked: [[Int]]) throws -> Tensor {
        let n = images.shape[0], m = masked.first?.count ?? 0
        guard masked.count == n, m > 0, masked.allSatisfy({ $0.count == m }) else {
            throw TensorError.invalidArgument(op: "simmim", detail: "masked needs one non-empty index list of equal length per image")
        }
        guard images.rank == 4, images.shape[2] == encoder.imageSize, images.shape[3] == encoder.imageSize else {
            throw TensorError.invalidArgument(op: "simmim", detail: "expects images [N, 3, \(encoder.imageSize), \(encoder.imageSize)] (the ViT's image_size), got \(images.shape)")
        }
        let mask = try PatchMask.tensor(masked: masked, patches: patchCount)
        let encoded = try encoder.encode(images, mask: mask, maskToken: maskToken)          // [N, 1 + L, D]
        let tokens = try PatchMask.select(encoded, masked, offset: 1)                       // [N·M, D]
        return try decoder(tokens).reshaped([n, m, decoder.outFeatures])
    }

    /// The true pixels of the masked patches [N, M, patch·patch·3] (no gradient).
    public func targets(_ images: Tensor, masked: [[Int]]) throws -> Tensor {
        try noGrad {
            let patches = try VisionTransformer.patchify(images.detached(), patchSize: encoder.patchSize)
            return try PatchMask.select(patches, masked).reshaped([masked.count, masked.first?.count ?? 0, patches.shape[2]])
        }
    }
}
