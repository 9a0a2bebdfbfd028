/// The two asymmetric views of BYOL: Grill et al. 2020, arXiv:2006.07733. Lightly equivalent:
/// `BYOLTransform` (`BYOLView1Transform`, `BYOLView2Transform`).
///
/// Defaults: `BYOLViews.defaults` (Lightly's), also the `byol` preset's; ImageNet normalisation.
public struct BYOLViews: Transform {
    public let view1: ViewRecipe
    public let view2: ViewRecipe

    public init(inputSize: Int = defaults.inputSize, colorJitterProb: Float = defaults.colour.jitterProb,
                colorJitterStrength: Float = defaults.colour.strength, brightness: Float = defaults.colour.brightness,
                contrast: Float = defaults.colour.contrast, saturation: Float = defaults.colour.saturation,
                hue: Float = defaults.colour.hue, minScale: Float = defaults.minScale,
                grayscaleProb: Float = defaults.colour.grayscaleProb, blurProbs: (Float, Float) = defaults.blurProbs,
                solarizeProbs: (Float, Float) = defaults.solarizeProbs, blurSigma: (Float, Float) = defaults.colour.blurSigma,
                blurKernelSize: Int? = defaults.colour.blurKernelSize, vflipProb: Float = defaults.colour.vflipProb,
                hflipProb: Float = defaults.colour.hflipProb, rotationProb: Float = defaults.colour.rotationProb,
                normalize: Normalize? = .imageNet) throws {
        let s = colorJitterStrength
        func make(_ blur: Float, _ solarize: Float) throws -> ViewRecipe {
            try ViewRecipe(size: inputSize, scale: (minScale, 1), hflipProb: hflipProb, vflipProb: vflipProb,
                           rotationProb: rotationProb, colorJitterProb: colorJitterProb, brightness: s * brightness,
                           contrast: s * contrast, saturation: s * saturation, hue: s * hue,
                           grayscaleProb: grayscaleProb, blurProb: blur, blurSigma: blurSigma,
                           blurKernelSize: blurKernelSize, solarizeProb: solarize, normalize: normalize)
        }
        view1 = try make(blurProbs.0, solarizeProbs.0)
        view2 = try make(blurProbs.1, solarizeProbs.1)
    }

    public var viewSides: [Int] { [view1.size, view2.size] }

    public func callAsFunction(_ image: Image, _ rng: inout RNG) -> Views {
        let src = FloatImage(image)
        return Views(tensors: [view1.view(src, &rng), view2.view(src, &rng)])
    }

    /// BYOL's defaults, stated once: the initialiser's default arguments and the `byol` preset's config
    /// fallbacks (`ssl-run defaults byol`) both read them.
    public struct Defaults: Sendable {
        /// Output side in pixels (Lightly `input_size`).
        public let inputSize = 224
        /// Smallest RandomResizedCrop area fraction (`min_scale`).
        public let minScale: Float = 0.08
        /// Blur probabilities of [view 1, view 2] (`BYOLView1Transform` / `BYOLView2Transform` `gaussian_blur`).
        public let blurProbs: (Float, Float) = (1.0, 0.1)
        /// Solarization probabilities of [view 1, view 2] (their `solarization_prob`).
        public let solarizeProbs: (Float, Float) = (0, 0.2)
        /// The chain's knobs: BYOL's jitter (`cj_bright`, `cj_contrast`, `cj_sat`, `cj_hue`), the rest shared.
        public let colour = ViewRecipe.Knobs(brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1)
    }

    public static let defaults = Defaults()
}
