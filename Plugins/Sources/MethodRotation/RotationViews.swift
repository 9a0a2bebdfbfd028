import PretextSDK

/// Rotation prediction (RotNet): Gidaris, Singh, Komodakis 2018, arXiv:1803.07728. One augmented view
/// is rotated by 0°, 90°, 180° and 270° (counter-clockwise); the views come in that order with labels
/// [0, 1, 2, 3], the class the network must predict.
///
/// Defaults: `RotationViews.defaults`, also the `rotation` preset's; ImageNet normalisation. Use
/// `inputSize: 32` for CIFAR.
public struct RotationViews: Transform {
    public let crop: RandomResizedCrop
    public let hflipProb: Float
    public let normalize: Normalize?

    public init(inputSize: Int = defaults.inputSize, minScale: Float = defaults.minScale,
                hflipProb: Float = defaults.hflipProb, normalize: Normalize? = .imageNet) throws {
        crop = try RandomResizedCrop(size: inputSize, scale: (minScale, 1))
        try checkProbability(hflipProb, "RotationViews hflipProb")
        self.hflipProb = hflipProb
        self.normalize = normalize
    }

    public var viewSides: [Int] { Array(repeating: crop.height, count: 4) }

    public func callAsFunction(_ image: Image, _ rng: inout RNG) -> Views {
        var x = FloatImage(image)
        crop.apply(&x, &rng)
        if rng.uniform() < hflipProb { ImageOps.horizontalFlip(&x) }
        let tensors = (0..<4).map { k -> Tensor in
            let r = ImageOps.rotate90(x, k)
            return normalize?.tensor(r) ?? r.tensor()
        }
        return Views(tensors: tensors, labels: [0, 1, 2, 3])
    }

    /// The rotation task's defaults, stated once: the initialiser's default arguments and the `rotation`
    /// preset's config fallbacks (`ssl-run defaults rotation`) both read them. (Lightly has no RotNet transform.)
    public struct Defaults: Sendable {
        /// Output side in pixels.
        public let inputSize = 224
        /// Smallest RandomResizedCrop area fraction (RotNet used random crops).
        public let minScale: Float = 0.5
        /// Probability of a horizontal flip.
        public let hflipProb: Float = 0.5
    }

    public static let defaults = Defaults()
}
