import PretextData
import PretextTensor

/// DINO's multi-crop: 2 global crops plus `localViews` small local crops: Caron et al. 2021,
/// arXiv:2104.14294 (multi-crop from SwAV, Caron et al. 2020, arXiv:2006.09882). Lightly equivalent:
/// `DINOTransform`.
///
/// Defaults: `DINOViews.defaults` (Lightly's), also the `dino` preset's; ImageNet normalisation.
/// Blur applies to global 1, global 2 and the locals with its own probability each, solarization to
/// global view 2 only. Views: [global1, global2, locals…].
/// (Lightly does not pass `cj_strength` on to its second global view, which keeps 0.5 whatever is set;
/// here `colorJitterStrength` applies to every view.)
public struct DINOViews: Transform {
    public let global1: ViewRecipe
    public let global2: ViewRecipe
    public let local: ViewRecipe
    public let localViews: Int

    public init(globalCropSize: Int = defaults.globalCropSize, globalCropScale: (Float, Float) = defaults.globalCropScale,
                localCropSize: Int = defaults.localCropSize, localCropScale: (Float, Float) = defaults.localCropScale,
                localViews: Int = defaults.localViews, hflipProb: Float = defaults.colour.hflipProb,
                vflipProb: Float = defaults.colour.vflipProb, rotationProb: Float = defaults.colour.rotationProb,
                colorJitterProb: Float = defaults.colour.jitterProb, colorJitterStrength: Float = defaults.colour.strength,
                brightness: Float = defaults.colour.brightness, contrast: Float = defaults.colour.contrast,
                saturation: Float = defaults.colour.saturation, hue: Float = defaults.colour.hue,
                grayscaleProb: Float = defaults.colour.grayscaleProb, blurProbs: (Float, Float, Float) = defaults.blurProbs,
                blurSigma: (Float, Float) = defaults.colour.blurSigma, blurKernelSize: Int? = defaults.colour.blurKernelSize,
                solarizeProb: Float = defaults.solarizeProb, interpolation: Interpolation = defaults.interpolation,
                normalize: Normalize? = .imageNet) throws {
        guard localViews >= 0 else {
            throw DataError.invalidArgument(name: "DINOViews", detail: "localViews \(localViews) must be ≥ 0")
        }
        let s = colorJitterStrength
        func make(_ size: Int, _ scale: (Float, Float), _ blur: Float, _ solarize: Float) throws -> ViewRecipe {
            try ViewRecipe(size: size, scale: scale, interpolation: interpolation, hflipProb: hflipProb,
                           vflipProb: vflipProb, rotationProb: rotationProb, colorJitterProb: colorJitterProb,
                           brightness: s * brightness, contrast: s * contrast, saturation: s * saturation,
                           hue: s * hue, grayscaleProb: grayscaleProb, blurProb: blur, blurSigma: blurSigma,
                           blurKernelSize: blurKernelSize, solarizeProb: solarize, normalize: normalize)
        }
        global1 = try make(globalCropSize, globalCropScale, blurProbs.0, 0)
        global2 = try make(globalCropSize, globalCropScale, blurProbs.1, solarizeProb)
        local = try make(localCropSize, localCropScale, blurProbs.2, 0)
        self.localViews = localViews
    }

    public var viewSides: [Int] { [global1.size, global2.size] + Array(repeating: local.size, count: localViews) }

    public func callAsFunction(_ image: Image, _ rng: inout RNG) -> Views {
        let src = FloatImage(image)
        var out = [global1.view(src, &rng), global2.view(src, &rng)]
        out.reserveCapacity(2 + localViews)
        for _ in 0..<localViews { out.append(local.view(src, &rng)) }
        return Views(tensors: out)
    }

    /// DINO's defaults, stated once: the initialiser's default arguments and the `dino` preset's config
    /// fallbacks (`ssl-run defaults dino`) both read them.
    public struct Defaults: Sendable {
        /// Global crop side and [min, max] area fraction (Lightly `global_crop_size`, `global_crop_scale`).
        public let globalCropSize = 224
        public let globalCropScale: (Float, Float) = (0.4, 1)
        /// Local crop side and [min, max] area fraction (`local_crop_size`, `local_crop_scale`).
        public let localCropSize = 96
        public let localCropScale: (Float, Float) = (0.05, 0.4)
        /// Number of local crops (`n_local_views`).
        public let localViews = 6
        /// Blur probabilities of [global 1, global 2, local] (`gaussian_blur`).
        public let blurProbs: (Float, Float, Float) = (1.0, 0.1, 0.5)
        /// Solarization probability of global view 2 (`solarization_prob`).
        public let solarizeProb: Float = 0.2
        /// Resampling of the crops (Lightly's `DINOTransform` resizes bicubically).
        public let interpolation = Interpolation.bicubic
        /// The chain's knobs: DINO's jitter (`cj_strength`, `cj_sat`), the rest shared.
        public let colour = ViewRecipe.Knobs(strength: 0.5, saturation: 0.4)
    }

    public static let defaults = Defaults()
}
