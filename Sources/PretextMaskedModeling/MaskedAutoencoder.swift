import PretextNN
import PretextTensor

/// The forward pass of a masked autoencoder (He et al. 2021, "Masked Autoencoders Are Scalable Vision
/// Learners", arXiv:2111.06377), as Lightly's MAE (`MaskedVisionTransformerTIMM` + `MAEDecoderTIMM`):
///
/// 1. per image a random subset of the patches is kept (`randomMasks`: ⌊L·(1 − ratio)⌋ of the L
///    patches, 16 of 64 at ratio 0.75), the rest is masked;
/// 2. the ViT encoder sees the class token and the kept patches only (`VisionTransformer.encode(_:keep:)`,
///    position embeddings added before the selection);
/// 3. the decoder embeds them, fills every masked position with its mask token, adds its fixed
///    sine-cosine position embedding, runs its blocks over the whole sequence and predicts the pixels
///    of the masked patches.
///
/// The loss (`MAELoss`) compares these predictions with `targets` (the masked patches of the input,
/// `VisionTransformer.patchify` order: row, column, channel inside a patch).
public final class MaskedAutoencoder {
    public let encoder: VisionTransformer
    public let decoder: MAEDecoder
    public let maskRatio: Double

    public init(encoder: VisionTransformer, decoder: MAEDecoder, maskRatio: Double = 0.75) throws {
        let l = encoder.gridSize * encoder.gridSize
        guard decoder.numPatches == l, decoder.patchSize == encoder.patchSize else {
            throw TensorError.invalidArgument(op: "mae", detail: "the decoder is made for \(decoder.numPatches) patches of \(decoder.patchSize) px, the encoder has \(l) of \(encoder.patchSize) px")
        }
        let keep = Int(Double(l) * (1 - maskRatio))
        guard maskRatio > 0, maskRatio < 1, keep >= 1, keep < l else {
            throw TensorError.invalidArgument(op: "mae", detail: "mask ratio \(maskRatio) must keep at least one and mask at least one of the \(l) patches (0 < ratio < 1)")
        }
        self.encoder = encoder
        self.decoder = decoder
        self.maskRatio = maskRatio
    }

    /// Patches per image and how many of them stay visible.
    public var patchCount: Int { encoder.gridSize * encoder.gridSize }
    public var keepCount: Int { Int(Double(patchCount) * (1 - maskRatio)) }

    /// Random kept / masked patch indices (0..<L, each list sorted) for `batch` images.
    public func randomMasks(batch: Int, rng: inout RNG) -> (keep: [[Int]], masked: [[Int]]) {
        var keep: [[Int]] = [], masked: [[Int]] = []
        for _ in 0..<batch {
            let p = rng.permutation(patchCount)
            keep.append(p[..<keepCount].sorted())
            masked.append(p[keepCount...].sorted())
        }
        return (keep, masked)
    }

    /// Predicted pixels of the masked patches [N, M, patch·patch·3], in the order of `masked`.
    public func predictMasked(_ images: Tensor, keep: [[Int]], masked: [[Int]]) throws -> Tensor {
        let n = images.shape[0], l = patchCount, k = keep.first?.count ?? 0, m = masked.first?.count ?? 0
        guard images.rank == 4, images.shape[2] == encoder.imageSize, images.shape[3] == encoder.imageSize else {
            throw TensorError.invalidArgument(op: "mae", detail: "expects images [N, 3, \(encoder.imageSize), \(encoder.imageSize)] (the ViT's image_size; the decoder's positions are fixed to its grid), got \(images.shape)")
        }
        guard masked.count == n, masked.allSatisfy({ $0.count == m }) else {
            throw TensorError.invalidArgument(op: "mae", detail: "masked needs one index list of equal length per image")
        }
        let encoded = try encoder.encode(images, keep: keep)                        // [N, 1 + K, D]
        let embedded = try decoder.embed(encoded)                                   // [N, 1 + K, Dd]
        let dd = decoder.dim
        // The full decoder sequence, row-selected from [embedded tokens; mask token].
        let table = try Tensor.cat([embedded.reshaped([n * (1 + k), dd]), decoder.maskToken.reshaped([1, dd])], axis: 0)
        let maskRow = n * (1 + k)
        var rows: [Int] = []
        rows.reserveCapacity(n * (1 + l))
        var slot = [Int](repeating: -1, count: l)
        for i in 0..<n {
            for p in 0..<l { slot[p] = -1 }
            for (j, p) in keep[i].enumerated() { slot[p] = j }
            rows.append(i * (1 + k))
            for p in 0..<l { rows.append(slot[p] >= 0 ? i * (1 + k) + 1 + slot[p] : maskRow) }
        }
        let full = try table.indexSelect(axis: 0, indices: rows).reshaped([n, 1 + l, dd])
        var picked: [Int] = []
        picked.reserveCapacity(n * m)
        for i in 0..<n { for p in masked[i] { picked.append(i * (1 + l) + 1 + p) } }
        let tokens = try decoder.decode(full, outputRows: picked)                   // [N·M, Dd]
        let pixels = decoder.decoderPred.outFeatures
        return try decoder.predict(tokens).reshaped([n, m, pixels])
    }

    /// The true pixels of the masked patches [N, M, patch·patch·3] (no gradient).
    public func targets(_ images: Tensor, masked: [[Int]]) throws -> Tensor {
        try noGrad {
            let patches = try VisionTransformer.patchify(images.detached(), patchSize: encoder.patchSize)   // [N, L, P]
            let (n, l, p) = (patches.shape[0], patches.shape[1], patches.shape[2])
            var rows: [Int] = []
            for i in 0..<n { for q in masked[i] { rows.append(i * l + q) } }
            return try patches.reshaped([n * l, p]).indexSelect(axis: 0, indices: rows).reshaped([n, masked.first?.count ?? 0, p])
        }
    }

    /// Re-initialises a timm-initialised ViT as Lightly's `MaskedVisionTransformerTIMM` does for MAE
    /// (the MAE reference code's init): the patch-embedding weight Xavier-uniform as a Linear
    /// [dim, 3·p·p], the class token normal std 0.02, every Linear Xavier-uniform with zero bias,
    /// LayerNorms 1/0. The patch-embedding bias keeps its PyTorch default.
    public static func initializeEncoder(_ vit: VisionTransformer, rng: inout RNG) {
        let w = vit.patchEmbed.proj.weight
        let fanIn = w.count / w.shape[0], fanOut = w.shape[0]
        let bound = (6 / Float(fanIn + fanOut)).squareRoot()
        Init.uniform(w, -bound, bound, rng: &rng)
        Init.normal(vit.clsToken, std: 0.02, rng: &rng)
        for (_, m) in vit.namedModules() {
            if let lin = m as? Linear {
                Init.xavierUniform(lin.weight, rng: &rng)
                if let b = lin.bias { Init.zeros(b) }
            } else if let ln = m as? LayerNorm {
                Init.ones(ln.weight)
                Init.zeros(ln.bias)
            }
        }
    }

    /// Replaces the ViT's learned position embedding by MAE's fixed 2-D sine-cosine one (zeros for the
    /// class token) and stops training it, as Lightly's `pos_embed_initialization="sincos"` (the default).
    public static func fixSinCosPositionEmbedding(_ vit: VisionTransformer) {
        vit.posEmbed.assign(PositionEmbedding.sinCos2D(dim: vit.dim, gridSize: vit.gridSize))
        vit.posEmbed.requiresGrad = false
    }
}
