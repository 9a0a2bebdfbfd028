/// Inverts values ≥ `threshold` with probability `p` (BYOL, Grill et al. 2020, arXiv:2006.07733;
/// Lightly's `RandomSolarization(prob, threshold=128)` on 8-bit images = 0.5 here on [0, 1] floats).
public struct RandomSolarization: ImageAugmentation {
    public var threshold: Float
    public var p: Float

    public init(threshold: Float = 0.5, p: Float = 0.5) throws {
        try checkProbability(p, "RandomSolarization")
        self.threshold = threshold
        self.p = p
    }

    public func apply(_ image: inout FloatImage, _ rng: inout RNG) {
        if rng.uniform() < p { ImageOps.solarize(&image, threshold: threshold) }
    }
}
