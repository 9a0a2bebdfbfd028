/// Two independently augmented views of each image: SimCLR, Chen et al. 2020, arXiv:2002.05709 (v2:
/// arXiv:2006.10029 uses the same augmentations). Lightly equivalent: `SimCLRTransform`.
///
/// Defaults: `SimCLRViews.defaults` (Lightly's), also the `simclr` preset's; ImageNet normalisation.
/// For CIFAR-size images use `inputSize: 32, blurProb: 0` (the SimCLR paper drops blur on CIFAR) and,
/// as Lightly suggests, `colorJitterStrength: 0.5`.
public struct SimCLRViews: Transform {
    public let view: ViewRecipe

    public init(inputSize: Int = defaults.inputSize, colorJitterProb: Float = defaults.colour.jitterProb,
                colorJitterStrength: Float = defaults.colour.strength, brightness: Float = defaults.colour.brightness,
                contrast: Float = defaults.colour.contrast, saturation: Float = defaults.colour.saturation,
                hue: Float = defaults.colour.hue, minScale: Float = defaults.minScale,
                grayscaleProb: Float = defaults.colour.grayscaleProb, blurProb: Float = defaults.blurProb,
                blurSigma: (Float, Float) = defaults.colour.blurSigma, blurKernelSize: Int? = defaults.colour.blurKernelSize,
                vflipProb: Float = defaults.colour.vflipProb, hflipProb: Float = defaults.colour.hflipProb,
                rotationProb: Float = defaults.colour.rotationProb, normalize: Normalize? = .imageNet) throws {
        let s = colorJitterStrength
        view = try ViewRecipe(size: inputSize, scale: (minScale, 1), hflipProb: hflipProb, vflipProb: vflipProb,
                              rotationProb: rotationProb, colorJitterProb: colorJitterProb, brightness: s * brightness,
                              contrast: s * contrast, saturation: s * saturation, hue: s * hue,
                              grayscaleProb: grayscaleProb, blurProb: blurProb, blurSigma: blurSigma,
                              blurKernelSize: blurKernelSize, normalize: normalize)
    }

    public var viewSides: [Int] { [view.size, view.size] }

    public func callAsFunction(_ image: Image, _ rng: inout RNG) -> Views {
        let src = FloatImage(image)
        return Views(tensors: [view.view(src, &rng), view.view(src, &rng)])
    }

    /// SimCLR's defaults, stated once: the initialiser's default arguments and the `simclr` preset's
    /// config fallbacks (`ssl-run defaults simclr`) both read them.
    public struct Defaults: Sendable {
        /// Output side in pixels (Lightly `input_size`).
        public let inputSize = 224
        /// Smallest RandomResizedCrop area fraction (`min_scale`).
        public let minScale: Float = 0.08
        /// Probability of Gaussian blur (`gaussian_blur`).
        public let blurProb: Float = 0.5
        /// The chain's knobs: all at `SimCLRViewTransform`'s defaults.
        public let colour = ViewRecipe.Knobs()
    }

    public static let defaults = Defaults()
}
