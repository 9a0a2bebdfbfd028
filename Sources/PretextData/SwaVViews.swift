import PretextTensor

/// SwaV's multi-crop: `globalViews` high-resolution crops plus `localViews` low-resolution crops of each
/// image (Caron et al. 2020, "Unsupervised Learning of Visual Features by Contrasting Cluster
/// Assignments", arXiv:2006.09882). Lightly equivalent: `SwaVTransform` (a `MultiCropTranform` of two
/// crop categories, each RandomResizedCrop(size, scale) then `SwaVViewTransform`).
///
/// Every crop gets the same chain (`ViewRecipe`): flip, colour jitter (0.8; 0.8/0.8/0.8/0.2 at strength
/// 1), grayscale 0.2, Gaussian blur 0.5 (σ 0.1–2), ImageNet normalisation; bilinear resampling (torchvision's
/// RandomResizedCrop default). Defaults: `SwaVViews.defaults` (Lightly's: 2 × 224 px at scale 0.14–1,
/// 6 × 96 px at scale 0.05–0.14), also the `swav` preset's. Views: [globals…, locals…].
public struct SwaVViews: Transform {
    public let global: ViewRecipe
    public let local: ViewRecipe
    public let globalViews: Int
    public let localViews: Int

    public init(globalCropSize: Int = defaults.globalCropSize, globalCropScale: (Float, Float) = defaults.globalCropScale,
                globalViews: Int = defaults.globalViews, localCropSize: Int = defaults.localCropSize,
                localCropScale: (Float, Float) = defaults.localCropScale, localViews: Int = defaults.localViews,
                hflipProb: Float = defaults.colour.hflipProb, vflipProb: Float = defaults.colour.vflipProb,
                rotationProb: Float = defaults.colour.rotationProb, colorJitterProb: Float = defaults.colour.jitterProb,
                colorJitterStrength: Float = defaults.colour.strength, brightness: Float = defaults.colour.brightness,
                contrast: Float = defaults.colour.contrast, saturation: Float = defaults.colour.saturation,
                hue: Float = defaults.colour.hue, grayscaleProb: Float = defaults.colour.grayscaleProb,
                blurProb: Float = defaults.blurProb, blurSigma: (Float, Float) = defaults.colour.blurSigma,
                blurKernelSize: Int? = defaults.colour.blurKernelSize, interpolation: Interpolation = defaults.interpolation,
                normalize: Normalize? = .imageNet) throws {
        guard globalViews >= 1 else {
            throw DataError.invalidArgument(name: "SwaVViews", detail: "globalViews \(globalViews) must be ≥ 1 (the high-resolution crops assign the codes)")
        }
        guard localViews >= 0 else {
            throw DataError.invalidArgument(name: "SwaVViews", detail: "localViews \(localViews) must be ≥ 0")
        }
        let s = colorJitterStrength
        func make(_ size: Int, _ scale: (Float, Float)) throws -> ViewRecipe {
            try ViewRecipe(size: size, scale: scale, interpolation: interpolation, hflipProb: hflipProb,
                           vflipProb: vflipProb, rotationProb: rotationProb, colorJitterProb: colorJitterProb,
                           brightness: s * brightness, contrast: s * contrast, saturation: s * saturation,
                           hue: s * hue, grayscaleProb: grayscaleProb, blurProb: blurProb, blurSigma: blurSigma,
                           blurKernelSize: blurKernelSize, normalize: normalize)
        }
        global = try make(globalCropSize, globalCropScale)
        local = try make(localCropSize, localCropScale)
        self.globalViews = globalViews
        self.localViews = localViews
    }

    public var viewSides: [Int] { Array(repeating: global.size, count: globalViews) + Array(repeating: local.size, count: localViews) }

    public func callAsFunction(_ image: Image, _ rng: inout RNG) -> Views {
        let src = FloatImage(image)
        var out: [Tensor] = []
        out.reserveCapacity(globalViews + localViews)
        for _ in 0..<globalViews { out.append(global.view(src, &rng)) }
        for _ in 0..<localViews { out.append(local.view(src, &rng)) }
        return Views(tensors: out)
    }

    /// SwaV's defaults, stated once: the initialiser's default arguments and the `swav` preset's config
    /// fallbacks (`ssl-run defaults swav`) both read them.
    public struct Defaults: Sendable {
        /// High-resolution crop side, [min, max] area fraction and count (Lightly `crop_sizes[0]`,
        /// `crop_min_scales[0]`/`crop_max_scales[0]`, `crop_counts[0]`).
        public let globalCropSize = 224
        public let globalCropScale: (Float, Float) = (0.14, 1)
        public let globalViews = 2
        /// Low-resolution crop side, [min, max] area fraction and count (the second entries).
        public let localCropSize = 96
        public let localCropScale: (Float, Float) = (0.05, 0.14)
        public let localViews = 6
        /// Probability of Gaussian blur on every crop (`gaussian_blur`).
        public let blurProb: Float = 0.5
        /// Resampling of the crops (torchvision's RandomResizedCrop default).
        public let interpolation = Interpolation.bilinear
        /// The chain's knobs: all at `SwaVViewTransform`'s defaults.
        public let colour = ViewRecipe.Knobs()
    }

    public static let defaults = Defaults()
}
