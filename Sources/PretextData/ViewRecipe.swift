/// The augmentation chain shared by the SimCLR / MoCo / BYOL / DINO view presets (Lightly's
/// `SimCLRViewTransform`, `BYOLView1Transform`, `DINOViewTransform`): RandomResizedCrop(size, scale,
/// ratio) → horizontal flip → vertical flip → 90° rotation → ColorJitter (with `colorJitterProb`) →
/// RandomGrayscale → GaussianBlur → RandomSolarization → ToTensor → Normalize.
///
/// Every step draws its coin whatever its probability, so changing one probability leaves the random
/// draws of the other steps' coins in place. Colour-jitter strengths here are the final ones (Lightly's
/// `cj_strength * cj_bright` etc.).
public struct ViewRecipe: ImageAugmentation {
    public var size: Int
    public var scale: (Float, Float)
    public var ratio: (Float, Float)
    public var interpolation: Interpolation
    public var hflipProb: Float
    public var vflipProb: Float
    public var rotationProb: Float
    public var colorJitterProb: Float
    public var brightness: Float
    public var contrast: Float
    public var saturation: Float
    public var hue: Float
    public var grayscaleProb: Float
    public var blurProb: Float
    public var blurSigma: (Float, Float)
    public var blurKernelSize: Int?
    public var solarizeProb: Float
    public var solarizeThreshold: Float
    public var normalize: Normalize?

    private let crop: RandomResizedCrop
    private let jitter: ColorJitter

    /// Defaults: SimCLR's view (`Knobs()` at strength 1, and `SimCLRViews.defaults`' crop scale and blur
    /// probability), no solarization.
    public init(size: Int, scale: (Float, Float) = (SimCLRViews.defaults.minScale, 1),
                ratio: (Float, Float) = (3.0 / 4.0, 4.0 / 3.0), interpolation: Interpolation = .bilinear,
                hflipProb: Float = Knobs().hflipProb, vflipProb: Float = Knobs().vflipProb,
                rotationProb: Float = Knobs().rotationProb, colorJitterProb: Float = Knobs().jitterProb,
                brightness: Float = Knobs().brightness, contrast: Float = Knobs().contrast,
                saturation: Float = Knobs().saturation, hue: Float = Knobs().hue,
                grayscaleProb: Float = Knobs().grayscaleProb, blurProb: Float = SimCLRViews.defaults.blurProb,
                blurSigma: (Float, Float) = Knobs().blurSigma, blurKernelSize: Int? = Knobs().blurKernelSize,
                solarizeProb: Float = 0, solarizeThreshold: Float = 0.5, normalize: Normalize? = .imageNet) throws {
        crop = try RandomResizedCrop(size: size, scale: scale, ratio: ratio, interpolation: interpolation)
        jitter = try ColorJitter(brightness: brightness, contrast: contrast, saturation: saturation,
                                 hue: min(hue, 0.5), p: 1)
        for (name, p) in [("hflipProb", hflipProb), ("vflipProb", vflipProb), ("rotationProb", rotationProb),
                          ("colorJitterProb", colorJitterProb), ("grayscaleProb", grayscaleProb),
                          ("blurProb", blurProb), ("solarizeProb", solarizeProb)] {
            try checkProbability(p, "ViewRecipe \(name)")
        }
        if hue > 0.5 {
            throw DataError.invalidArgument(name: "ViewRecipe", detail: "hue strength \(hue) must be ≤ 0.5")
        }
        try checkRange(blurSigma, "ViewRecipe blurSigma", min: 1e-6, max: maxBlurSigma)
        if let k = blurKernelSize, k < 1 || k % 2 == 0 {
            throw DataError.invalidArgument(name: "ViewRecipe", detail: "blur kernel size \(k) must be odd and positive")
        }
        self.size = size
        self.scale = scale
        self.ratio = ratio
        self.interpolation = interpolation
        self.hflipProb = hflipProb
        self.vflipProb = vflipProb
        self.rotationProb = rotationProb
        self.colorJitterProb = colorJitterProb
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
        self.hue = hue
        self.grayscaleProb = grayscaleProb
        self.blurProb = blurProb
        self.blurSigma = blurSigma
        self.blurKernelSize = blurKernelSize
        self.solarizeProb = solarizeProb
        self.solarizeThreshold = solarizeThreshold
        self.normalize = normalize
    }

    /// The augmented image before ToTensor/Normalize.
    public func apply(_ image: inout FloatImage, _ rng: inout RNG) {
        crop.apply(&image, &rng)
        if rng.uniform() < hflipProb { ImageOps.horizontalFlip(&image) }
        if rng.uniform() < vflipProb { ImageOps.verticalFlip(&image) }
        if rng.uniform() < rotationProb { image = ImageOps.rotate90(image, 1) }
        if rng.uniform() < colorJitterProb { jitter.apply(&image, &rng) }
        if rng.uniform() < grayscaleProb { image = ImageOps.grayscale(image, outputChannels: 3) }
        if rng.uniform() < blurProb {
            let s = rng.uniform(blurSigma.0, blurSigma.1)
            ImageOps.gaussianBlur(&image, kernelSize: blurKernelSize ?? ImageOps.kernelSize(forSigma: s), sigma: s)
        }
        if rng.uniform() < solarizeProb { ImageOps.solarize(&image, threshold: solarizeThreshold) }
    }

    /// The finished view tensor `[3, size, size]` of `source`.
    public func view(_ source: FloatImage, _ rng: inout RNG) -> Tensor {
        var x = source
        apply(&x, &rng)
        return normalize?.tensor(x) ?? x.tensor()
    }
}
