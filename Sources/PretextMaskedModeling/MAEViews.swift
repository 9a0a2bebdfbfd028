import PretextData
import PretextTensor

/// The single view of a masked autoencoder: He et al. 2021, arXiv:2111.06377. Lightly equivalent:
/// `MAETransform`.
///
/// Defaults: `MAEViews.defaults` (Lightly's / the paper's), also the `mae` preset's; ImageNet
/// normalisation. (Masking happens in the model.)
public struct MAEViews: Transform {
    public let crop: RandomResizedCrop
    public let hflipProb: Float
    public let normalize: Normalize?

    public init(inputSize: Int = defaults.inputSize, minScale: Float = defaults.minScale,
                hflipProb: Float = defaults.hflipProb, interpolation: Interpolation = defaults.interpolation,
                normalize: Normalize? = .imageNet) throws {
        crop = try RandomResizedCrop(size: inputSize, scale: (minScale, 1), interpolation: interpolation)
        try checkProbability(hflipProb, "MAEViews hflipProb")
        self.hflipProb = hflipProb
        self.normalize = normalize
    }

    public var viewSides: [Int] { [crop.height] }

    public func callAsFunction(_ image: Image, _ rng: inout RNG) -> Views {
        var x = FloatImage(image)
        crop.apply(&x, &rng)
        if rng.uniform() < hflipProb { ImageOps.horizontalFlip(&x) }
        return Views(tensors: [normalize?.tensor(x) ?? x.tensor()])
    }

    /// MAE's defaults, stated once: the initialiser's default arguments and the `mae` preset's config
    /// fallbacks (`ssl-run defaults mae`) both read them.
    public struct Defaults: Sendable {
        /// Output side in pixels (Lightly `input_size`).
        public let inputSize = 224
        /// Smallest RandomResizedCrop area fraction (`min_scale`).
        public let minScale: Float = 0.2
        /// Probability of a horizontal flip (the paper's, as Lightly's `MAETransform`).
        public let hflipProb: Float = 0.5
        /// Resampling of the crop (as Lightly's `MAETransform` and the paper's code).
        public let interpolation = Interpolation.bicubic
    }

    public static let defaults = Defaults()
}
