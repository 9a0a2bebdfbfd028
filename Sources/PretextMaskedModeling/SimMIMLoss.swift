import PretextCore
import PretextTensor

/// SimMIM's reconstruction loss (Xie et al. 2022, "SimMIM: A Simple Framework for Masked Image
/// Modeling", arXiv:2111.09886, §3.3): the L1 distance between predicted and true pixels, on the masked
/// patches only, averaged over every masked pixel — Lightly's SimMIM benchmark and example
/// (`nn.L1Loss()` on the predictions of the masked tokens and `patchify(images)[idx_mask − 1]`).
///
/// Inputs: `[prediction, target]`, each [B, M, P] (or [rows, P]): P = patch·patch·channels pixels of the M
/// masked patches of each image; the target carries no gradient. Loss = mean |prediction − target|.
public final class SimMIMLoss: Loss {
    public init() {}

    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        guard inputs.count == 2, inputs[0].shape == inputs[1].shape, inputs[0].count > 0 else {
            throw TensorError.invalidArgument(op: "simmim_loss", detail: "expects [prediction, target] of one shape (the masked patches' pixels), got \(inputs.map(\.shape))")
        }
        return try (inputs[0] - inputs[1].detached()).abs().mean()
    }
}
