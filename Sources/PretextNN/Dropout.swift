import PretextTensor

/// Dropout (Srivastava et al. 2014): in training, zeroes each element with probability `p` and scales
/// the rest by 1/(1−p); identity in evaluation mode or at p = 0.
///
/// Randomness: every module that needs random numbers *owns* an `RNG`, split off the builder's
/// generator when the network is constructed (`RNG(seed: rng.next())`), so the same seed gives the same
/// masks without any global state, and modules never share a stream. The generator is a public `var`:
/// a runner that wants masks reproducible across a resume reseeds it (e.g. from (seed, step)); it is not
/// part of the state dict (PyTorch does not save dropout state either).
public final class Dropout: Module, Layer {
    public let p: Float
    public var rng: RNG

    public init(p: Float, rng: inout RNG) {
        precondition(p >= 0 && p <= 1, "dropout probability must be in [0, 1], got \(p)")
        self.p = p
        self.rng = RNG(seed: rng.next())
        super.init()
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        guard isTraining, p > 0 else { return x }
        return try x.dropout(p: p, training: true, rng: &rng)
    }
}
