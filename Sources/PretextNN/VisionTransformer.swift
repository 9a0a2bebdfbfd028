import PretextTensor

/// Vision Transformer (Dosovitskiy et al. 2020, arXiv:2010.11929) built as timm's
/// `VisionTransformer` for `vit_{tiny,small,base}_patch16_224` with `num_classes=0,
/// global_pool='token'`: patch embedding, a learned class token, learned absolute position embeddings
/// that include the class position, pre-norm blocks (qkv bias, MLP ratio 4, exact GELU), a final
/// LayerNorm (eps 1e-6 everywhere). The output is the final-normed class token [N, dim].
///
/// Keys equal timm's: `cls_token` [1, 1, D], `pos_embed` [1, 1 + L, D], `patch_embed.proj.weight/bias`,
/// `blocks.i.{norm1, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2}.*`, `norm.*` — a Pretext ViT loads
/// into `timm.create_model("vit_small_patch16_224", num_classes=0)` with `strict=True` (pass
/// `img_size`/`patch_size` for other grids).
///
/// Sizes: tiny 192 / 3 heads, small 384 / 6, base 768 / 12; depth 12. `patchSize` and `imageSize` are
/// free (patch 4 at 32 px for CIFAR). Inputs of another size (DINO's local crops: 96 px for a 224 model,
/// 16 px for a 32 px model) get the position embedding resampled to their grid with timm's bicubic
/// antialiased interpolation (`PositionEmbedding.resample`), as timm's `dynamic_img_size=True` does.
///
/// Initialisation as timm's default (`init_weights(mode='')`, timm 1.0): `pos_embed` trunc_normal
/// std 0.02; `cls_token` normal std 1e-6 (timm 1.0; DeiT/DINO used trunc_normal 0.02); every Linear
/// trunc_normal std 0.02 with zero bias; LayerNorms 1/0; the patch-embedding conv keeps PyTorch's
/// default conv init (timm does not touch it in this mode).
public final class VisionTransformer: Module, Layer {
    public enum Size: String, Sendable, CaseIterable {
        case tiny, small, base
        public var dim: Int { switch self { case .tiny: return 192; case .small: return 384; case .base: return 768 } }
        public var heads: Int { switch self { case .tiny: return 3; case .small: return 6; case .base: return 12 } }
        public var depth: Int { 12 }
    }

    public let clsToken: Tensor
    public let posEmbed: Tensor
    public let patchEmbed: PatchEmbed
    public let blocks: [ViTBlock]
    public let norm: LayerNorm

    public let dim: Int
    public let heads: Int
    public let patchSize: Int
    public let imageSize: Int
    /// The patch grid the position embedding was made for (imageSize / patchSize per side).
    public let gridSize: Int
    public var featureDim: Int { dim }
    public var depth: Int { blocks.count }
    public let architectureName: String

    /// Resampling matrices for non-native grids (depend only on the grid sizes).
    private var resampleCache: [[Int]: Tensor] = [:]
    public override var excludedKeys: Set<String> { ["resampleCache"] }

    public init(dim: Int, depth: Int, heads: Int, patchSize: Int = 16, imageSize: Int = 224, mlpRatio: Float = 4,
                qkvBias: Bool = true, eps: Float = 1e-6, dropout: Float = 0, attnDropout: Float = 0,
                name: String? = nil, initialize: Bool = true, rng: inout RNG) {
        precondition(imageSize % patchSize == 0, "ViT image size \(imageSize) must be a multiple of the patch size \(patchSize)")
        self.dim = dim
        self.heads = heads
        self.patchSize = patchSize
        self.imageSize = imageSize
        gridSize = imageSize / patchSize
        architectureName = name ?? "vit-d\(dim)/\(patchSize)"
        patchEmbed = PatchEmbed(patchSize: patchSize, dim: dim, initialize: initialize, rng: &rng)
        clsToken = Init.parameter([1, 1, dim])
        posEmbed = Init.parameter([1, 1 + gridSize * gridSize, dim])
        blocks = (0..<depth).map { _ in
            ViTBlock(dim: dim, heads: heads, mlpRatio: mlpRatio, qkvBias: qkvBias, eps: eps,
                     dropout: dropout, attnDropout: attnDropout, initialize: false, rng: &rng)
        }
        norm = LayerNorm(dim, eps: eps)
        super.init()
        guard initialize else { return }
        // timm VisionTransformer.init_weights(mode='') → init_weights_vit_timm on every Linear.
        Init.truncNormal(posEmbed, std: 0.02, rng: &rng)
        Init.normal(clsToken, std: 1e-6, rng: &rng)
        for (_, m) in namedModules() {
            if let lin = m as? Linear {
                Init.truncNormal(lin.weight, std: 0.02, rng: &rng)
                if let b = lin.bias { Init.zeros(b) }
            }
        }
    }

    /// timm's `vit_{tiny,small,base}_patch16_224` (patch 16 at 224 px by default; e.g. `.tiny`,
    /// patchSize 4, imageSize 32 for the CIFAR recipe's ViT-T/4).
    /// `initialize: false` skips the random initialisation (weights to be loaded right after, as timm's
    /// `weight_init='skip'`).
    public convenience init(_ size: Size, patchSize: Int = 16, imageSize: Int = 224, initialize: Bool = true, rng: inout RNG) {
        let name = "vit-" + String(size.rawValue.prefix(1)) + (patchSize == 16 ? "" : "/\(patchSize)")
        self.init(dim: size.dim, depth: size.depth, heads: size.heads, patchSize: patchSize, imageSize: imageSize,
                  name: name, initialize: initialize, rng: &rng)
    }

    /// Short name for exported weights ("vit-s", "vit-t/4").
    public var architecture: String { architectureName }

    /// The position embedding for a patch grid [1, 1 + gh·gw, D] (resampled when it is not the native one).
    public func positionEmbedding(grid: (Int, Int)) throws -> Tensor {
        if grid == (gridSize, gridSize) { return posEmbed }
        let key = [grid.0, grid.1]
        let m: Tensor
        if let cached = resampleCache[key] {
            m = cached
        } else {
            m = PositionEmbedding.resampleMatrix(from: (gridSize, gridSize), to: grid)
            resampleCache[key] = m
        }
        return try m.matmul(posEmbed.reshaped([1 + gridSize * gridSize, dim])).unsqueezed(0)
    }

    /// Patch tokens with the class token prepended and position embeddings added: [N, 1 + L, D].
    public func embed(_ images: Tensor) throws -> Tensor {
        guard images.rank == 4 else {
            throw TensorError.invalidArgument(op: "vit", detail: "expects images [N, 3, H, W], got \(images.shape)")
        }
        let n = images.shape[0]
        let grid = try patchEmbed.grid(height: images.shape[2], width: images.shape[3])
        let patches = try patchEmbed(images)
        let cls = try clsToken.expanded(to: [n, 1, dim])
        return try Tensor.cat([cls, patches], axis: 1) + positionEmbedding(grid: grid)
    }

    /// Runs the blocks over tokens [N, T, D] (no final norm).
    public func transform(_ tokens: Tensor) throws -> Tensor {
        var x = tokens
        for block in blocks { x = try block(x) }
        return x
    }

    /// The final-normed class token [N, D] (timm's `forward` with num_classes=0, global_pool='token').
    /// Only the class token goes through the final norm (LayerNorm is per token, so this equals
    /// normalising all tokens and taking the first).
    public func callAsFunction(_ images: Tensor) throws -> Tensor {
        let x = try transform(embed(images))
        let n = x.shape[0]
        return try norm(x.narrowed(axis: 1, start: 0, length: 1).reshaped([n, dim]))
    }

    /// Every final-normed token [N, 1 + L, D] (timm's `forward_features`).
    public func encode(_ images: Tensor) throws -> Tensor {
        try norm(transform(embed(images)))
    }

    /// MAE-style encoding of a subset of patches (He et al. 2022, arXiv:2111.06377), like Lightly's
    /// `MaskedVisionTransformerTIMM.encode(images, idx_keep)`: position embeddings are added to all
    /// tokens first, then for image i only the class token and the patches `keep[i]` (indices 0..<L in
    /// row-major patch order, so Lightly's `idx_keep` minus 1 without its leading 0) go through the
    /// blocks. Every row of `keep` must have the same length K. Returns [N, 1 + K, D], final-normed,
    /// the class token first and then the kept patches in the order given.
    public func encode(_ images: Tensor, keep: [[Int]]) throws -> Tensor {
        guard images.rank == 4 else {
            throw TensorError.invalidArgument(op: "vit", detail: "expects images [N, 3, H, W], got \(images.shape)")
        }
        let n = images.shape[0]
        let grid = try patchEmbed.grid(height: images.shape[2], width: images.shape[3])
        let l = grid.0 * grid.1
        guard keep.count == n, let k = keep.first?.count, keep.allSatisfy({ $0.count == k }) else {
            throw TensorError.invalidArgument(op: "vit.encode", detail: "keep needs one index list of equal length per image (\(n) images, got \(keep.map(\.count)))")
        }
        var patches: [Int] = [], positions: [Int] = []
        patches.reserveCapacity(n * k)
        positions.reserveCapacity(n * k)
        for (i, idx) in keep.enumerated() {
            for p in idx {
                guard p >= 0, p < l else {
                    throw TensorError.invalidArgument(op: "vit.encode", detail: "patch index \(p) of image \(i) is outside 0..<\(l)")
                }
                patches.append(i * l + p)
                positions.append(1 + p)
            }
        }
        // Only the kept patches are embedded; the position rows are gathered to match. The same sums
        // as embedding every patch and selecting afterwards, in a quarter of the work for MAE.
        let pos = try positionEmbedding(grid: grid).reshaped([1 + l, dim])
        let tokens = try patchEmbed(images, selecting: patches) + pos.indexSelect(axis: 0, indices: positions)
        let cls = try (clsToken.reshaped([1, dim]) + pos.narrowed(axis: 0, start: 0, length: 1)).reshaped([1, 1, dim])
        let kept = try Tensor.cat([cls.expanded(to: [n, 1, dim]), tokens.reshaped([n, k, dim])], axis: 1)
        return try norm(transform(kept))
    }

    /// Images [N, C, H, W] → patches [N, (H/p)·(W/p), p·p·C] with pixels in (row, column, channel)
    /// order inside each patch — Lightly's `utils.patchify` (the MAE reconstruction target).
    public static func patchify(_ images: Tensor, patchSize p: Int) throws -> Tensor {
        guard images.rank == 4, images.shape[2] % p == 0, images.shape[3] % p == 0 else {
            throw TensorError.invalidArgument(op: "patchify", detail: "expects images [N, C, H, W] with H and W multiples of \(p), got \(images.shape)")
        }
        let (n, c, gh, gw) = (images.shape[0], images.shape[1], images.shape[2] / p, images.shape[3] / p)
        return try images.reshaped([n, c, gh, p, gw, p]).permuted([0, 2, 4, 3, 5, 1]).reshaped([n, gh * gw, p * p * c])
    }
}
