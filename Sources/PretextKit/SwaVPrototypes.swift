import PretextCore
import PretextNN
import PretextTensor

/// SwaV's prototypes (Caron et al. 2020, arXiv:2006.09882), as Lightly 1.6's `SwaVPrototypes` with one
/// prototype set: a `Linear(inputDim, prototypes)` — with a bias, as Lightly's `nn.Linear` default —
/// under Lightly's key `heads.0.weight` / `heads.0.bias`. Its weight rows are the prototypes; the caller
/// puts them on the unit sphere with `normalize()` before each training step (Lightly's
/// `prototypes.normalize()`, the paper's normalisation of C), so scores of L2-normalised projections are
/// cosine similarities (plus the bias).
///
/// Freezing (Lightly's `n_steps_frozen_prototypes`): while the `step` passed to the forward is below
/// `frozenSteps`, weight and bias are used detached, so they get no gradient and the optimizer skips
/// them entirely (no update, no weight decay, no momentum), as Lightly's `requires_grad_(False)`.
/// The step is the caller's count: the `swav` method passes the epoch, as Lightly's ImageNet benchmark
/// (`SwaVPrototypes(n_steps_frozen_prototypes=1)`, `step=self.current_epoch`: fixed in the first epoch).
///
/// Defaults as Lightly: input 128, 3000 prototypes, never frozen.
public final class SwaVPrototypes: Module, Head {
    /// One Linear (Lightly's `heads` list with a single entry).
    public let heads: [Linear]
    public let inputDim: Int
    public let outputDim: Int
    public let frozenSteps: Int

    public var layer: Linear { heads[0] }

    public init(inputDim: Int = 128, prototypes: Int = 3000, frozenSteps: Int = 0, rng: inout RNG) throws {
        guard inputDim > 0, prototypes > 0, frozenSteps >= 0 else {
            throw TensorError.invalidArgument(op: "swav_prototypes", detail: "needs input_dim > 0, n_prototypes > 0 and n_steps_frozen_prototypes ≥ 0 (got \(inputDim), \(prototypes), \(frozenSteps))")
        }
        heads = [Linear(inputDim, prototypes, rng: &rng)]
        self.inputDim = inputDim
        outputDim = prototypes
        self.frozenSteps = frozenSteps
        super.init()
    }

    /// Whether the prototypes get no gradient at `step`.
    public func isFrozen(at step: Int) -> Bool { step < frozenSteps }

    /// Every prototype (weight row) divided by its L2 norm, in place (Lightly's `normalize()`:
    /// `weight.div_(torch.norm(weight, dim=1, keepdim=True))`; the bias is left alone).
    public func normalize() {
        let w = layer.weight.storage.pointer, k = outputDim, d = inputDim
        for r in 0..<k {
            let row = w + r * d
            var sum: Float = 0
            for c in 0..<d { sum += row[c] * row[c] }
            let norm = sum.squareRoot()
            for c in 0..<d { row[c] /= norm }
        }
    }

    /// Scores [B, K] of inputs [B, inputDim] at training `step` (nil only when never frozen).
    public func callAsFunction(_ x: Tensor, step: Int?) throws -> Tensor {
        guard frozenSteps > 0 else { return try layer(x) }
        guard let step else {
            throw TensorError.invalidArgument(op: "swav_prototypes", detail: "n_steps_frozen_prototypes is \(frozenSteps): pass the training step to the forward")
        }
        guard isFrozen(at: step) else { return try layer(x) }
        return try x.linear(weight: layer.weight.detached(), bias: layer.bias?.detached())
    }

    public func callAsFunction(_ features: Tensor) throws -> Tensor {
        try self(features, step: nil)
    }
}
