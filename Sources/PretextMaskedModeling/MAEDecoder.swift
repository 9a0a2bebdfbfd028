import PretextNN
import PretextTensor

/// The lightweight decoder of a masked autoencoder (He et al. 2021, arXiv:2111.06377), as Lightly's
/// `MAEDecoderTIMM`: `decoder_embed` Linear(encoder dim → decoder dim), a learned `mask_token` that
/// stands in for every masked patch, a fixed 2-D sine-cosine `decoder_pos_embed` over the class
/// token + the encoder's patch grid, `depth` pre-norm transformer blocks (`decoder_blocks.i`, timm
/// `Block`: qkv bias, MLP ratio 4, eps 1e-6), `decoder_norm`, and `decoder_pred` Linear(decoder dim →
/// patch·patch·channels pixels). Keys equal Lightly's.
///
/// Initialisation as Lightly/MAE: `mask_token` normal std 0.02, every Linear Xavier-uniform with zero
/// bias, LayerNorms 1/0, the position embedding fixed (not trained).
/// Paper defaults: width 512, depth 8, 16 heads (ViT-L); Lightly's ViT-B example: 512 × 8 × 16; the
/// CPU recipe for a ViT-T/4 at 32 px: 128 × 4 × 4.
public final class MAEDecoder: Module {
    public let decoderEmbed: Linear
    public let maskToken: Tensor
    public let decoderPosEmbed: Tensor
    public let decoderBlocks: [ViTBlock]
    public let decoderNorm: LayerNorm
    public let decoderPred: Linear
    /// Patches per image (the encoder's native grid, side²) and the patch side.
    public let numPatches: Int
    public let patchSize: Int
    public let dim: Int

    public init(numPatches: Int, patchSize: Int, inChannels: Int = 3, embedDim: Int, decoderDim: Int = 512,
                depth: Int = 8, heads: Int = 16, mlpRatio: Float = 4, rng: inout RNG) {
        let grid = Int(Double(numPatches).squareRoot().rounded())
        precondition(grid * grid == numPatches, "MAE decoder needs a square patch grid, got \(numPatches) patches")
        precondition(decoderDim % 4 == 0, "MAE decoder width \(decoderDim) must be a multiple of 4 (sine-cosine embedding)")
        self.numPatches = numPatches
        self.patchSize = patchSize
        dim = decoderDim
        decoderEmbed = Linear(embedDim, decoderDim, initialize: false, rng: &rng)
        maskToken = Init.parameter([1, 1, decoderDim])
        decoderPosEmbed = PositionEmbedding.sinCos2D(dim: decoderDim, gridSize: grid).reshaped1(1 + numPatches, decoderDim)
        decoderBlocks = (0..<depth).map { _ in
            ViTBlock(dim: decoderDim, heads: heads, mlpRatio: mlpRatio, qkvBias: true, eps: 1e-6, initialize: false, rng: &rng)
        }
        decoderNorm = LayerNorm(decoderDim, eps: 1e-6)
        decoderPred = Linear(decoderDim, patchSize * patchSize * inChannels, initialize: false, rng: &rng)
        super.init()
        Init.normal(maskToken, std: 0.02, rng: &rng)
        for (_, m) in namedModules() {
            if let lin = m as? Linear {
                Init.xavierUniform(lin.weight, rng: &rng)
                if let b = lin.bias { Init.zeros(b) }
            }
        }
    }

    /// Encoder tokens [N, T, encoder dim] → decoder width [N, T, decoder dim].
    public func embed(_ tokens: Tensor) throws -> Tensor { try decoderEmbed(tokens) }

    /// Full sequences [N, 1 + numPatches, decoder dim] (class token first, patches in row-major order)
    /// → position embedding added, blocks, final norm.
    public func decode(_ tokens: Tensor) throws -> Tensor {
        try checkShape(tokens)
        var x = try tokens + decoderPosEmbed
        for block in decoderBlocks { x = try block(x) }
        return try decoderNorm(x)
    }

    /// `decode(tokens)` for some rows only: `rows` index the flattened tokens [N·(1 + numPatches)] and
    /// the result is [rows.count, decoder dim] — the rows MAE's loss reads (the masked patches). The
    /// last block and the final norm run on those rows alone (`ViTBlock.callAsFunction(_:outputRows:)`);
    /// the values equal `decode(tokens)` row-selected.
    public func decode(_ tokens: Tensor, outputRows rows: [Int]) throws -> Tensor {
        try checkShape(tokens)
        guard let last = decoderBlocks.last else {
            return try decoderNorm(try (tokens + decoderPosEmbed).reshaped([tokens.shape[0] * tokens.shape[1], dim]).indexSelect(axis: 0, indices: rows))
        }
        var x = try tokens + decoderPosEmbed
        for block in decoderBlocks.dropLast() { x = try block(x) }
        return try decoderNorm(try last(x, outputRows: rows))
    }

    private func checkShape(_ tokens: Tensor) throws {
        guard tokens.rank == 3, tokens.shape[1] == 1 + numPatches, tokens.shape[2] == dim else {
            throw TensorError.invalidArgument(op: "mae_decoder", detail: "expects tokens [N, \(1 + numPatches), \(dim)], got \(tokens.shape): the images must have the encoder's native size")
        }
    }

    /// Decoded tokens → pixels of their patches [..., patch·patch·channels].
    public func predict(_ tokens: Tensor) throws -> Tensor { try decoderPred(tokens) }
}

extension Tensor {
    /// [rows, cols] → [1, rows, cols] for a freshly made (non-differentiable) constant.
    fileprivate func reshaped1(_ rows: Int, _ cols: Int) -> Tensor {
        Tensor(shape: [1, rows, cols], storage: storage, requiresGrad: false)
    }
}
