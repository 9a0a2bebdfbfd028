import PretextNN
import PretextTensor

/// The learned mask token of masked image modelling with a ViT that sees every patch (SimMIM, Xie et al.
/// 2022, arXiv:2111.09886; iBOT, Zhou et al. 2022, arXiv:2111.07832), as the `mask_token` of Lightly's
/// `MaskedVisionTransformerTIMM`: one vector [1, 1, dim] that replaces the embedding of every masked
/// patch, before the position embeddings are added (Lightly's `preprocess`: `mask_bool` /
/// `mask_at_index`, then `add_pos_embed`), so each masked position keeps its own position.
///
/// Initialised to zeros (Lightly's default `Parameter(torch.zeros(1, 1, embed_dim))`). The key is
/// `mask_token`, which `ParameterGroup.isNoDecay` keeps out of weight decay when biases and norms are
/// excluded (the SimMIM and iBOT reference code do the same). Used with
/// `VisionTransformer.encode(_:mask:maskToken:)`.
public final class MaskToken: Module {
    public let maskToken: Tensor
    public let dim: Int

    public init(dim: Int) {
        self.dim = dim
        maskToken = Init.parameter([1, 1, dim])
        super.init()
        Init.zeros(maskToken)
    }

    /// tokens [N, L, dim] and mask [N, L] (1 = masked, 0 = kept) → (1 − m)·tokens + m·mask_token, Lightly's
    /// `mask_bool` (the mask carries no gradient; the token gets the summed gradient of the masked positions).
    public func callAsFunction(_ tokens: Tensor, mask: Tensor) throws -> Tensor {
        guard tokens.rank == 3, tokens.shape[2] == dim, mask.shape == Array(tokens.shape.prefix(2)) else {
            throw TensorError.invalidArgument(op: "mask_token", detail: "expects tokens [N, L, \(dim)] and a mask [N, L], got \(tokens.shape) and \(mask.shape)")
        }
        let m = try mask.detached().reshaped([tokens.shape[0], tokens.shape[1], 1])
        return try tokens * (1 - m) + m * maskToken
    }
}
