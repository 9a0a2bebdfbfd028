/// Two augmented views for MoCo v2: Chen, Fan, Girshick, He 2020, arXiv:2003.04297 (MoCo v1: He et al.
/// 2019, arXiv:1911.05722). Lightly equivalent: `MoCoV2Transform`.
///
/// Defaults: `MoCoV2Views.defaults` (Lightly's), also the `mocov2` preset's; ImageNet normalisation.
public struct MoCoV2Views: Transform {
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

    /// MoCo v2's defaults, stated once: the initialiser's default arguments and the `mocov2` preset's
    /// config fallbacks (`ssl-run defaults moco`) both read them.
    public struct Defaults: Sendable {
        /// Output side in pixels (Lightly `input_size`).
        public let inputSize = 224
        /// Smallest RandomResizedCrop area fraction (`min_scale`).
        public let minScale: Float = 0.2
        /// Probability of Gaussian blur (`gaussian_blur`).
        public let blurProb: Float = 0.5
        /// The chain's knobs: MoCo's milder jitter (`cj_bright`, `cj_contrast`, `cj_sat`, `cj_hue`), the rest shared.
        public let colour = ViewRecipe.Knobs(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1)
    }

    public static let defaults = Defaults()
}
