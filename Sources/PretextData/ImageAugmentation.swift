/// One random image → image step (a torchvision single transform: crop, flip, jitter, blur, …).
///
/// Augmentations work on `FloatImage` (float32 CHW in [0, 1]) in place, draw all their randomness from
/// the `RNG` they are handed (so a seeded loader reproduces every view), and hold no mutable state, so
/// one instance can be used from several loader threads at once. Chain them with `Compose`, turn a
/// chain into a one-view `Transform` with `SingleView`.
public protocol ImageAugmentation {
    func apply(_ image: inout FloatImage, _ rng: inout RNG)
}

extension ImageAugmentation {
    /// The augmented copy of `image`.
    public func callAsFunction(_ image: FloatImage, _ rng: inout RNG) -> FloatImage {
        var x = image
        apply(&x, &rng)
        return x
    }
}

/// Checks a probability argument.
public func checkProbability(_ p: Float, _ name: String) throws {
    guard p >= 0, p <= 1, !p.isNaN else {
        throw DataError.invalidArgument(name: name, detail: "probability \(p) is outside [0, 1]")
    }
}

/// Checks a (lo, hi) range argument.
func checkRange(_ r: (Float, Float), _ name: String, min lower: Float = -.infinity, max upper: Float = .infinity) throws {
    guard r.0 <= r.1, r.0 >= lower, r.1 <= upper, r.0.isFinite, r.1.isFinite else {
        let bounds = upper.isFinite ? "between \(lower) and \(upper)" : "≥ \(lower)"
        throw DataError.invalidArgument(name: name, detail: "range (\(r.0), \(r.1)) must be ordered lo ≤ hi and \(bounds)")
    }
}

/// The largest Gaussian-blur σ accepted: its kernel (2·⌈3σ⌉ + 1 = 6,001 px) already exceeds any image.
let maxBlurSigma: Float = 1000
