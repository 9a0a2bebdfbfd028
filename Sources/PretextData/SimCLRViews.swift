/// Two independently augmented views of each image: SimCLR, Chen et al. 2020, arXiv:2002.05709 (v2:
/// arXiv:2006.10029 uses the same augmentations). Lightly equivalent: `SimCLRTransform`.
///
/// Defaults (Lightly's): input size 224, RandomResizedCrop scale (0.08, 1); colour jitter with p 0.8 and
/// strength 1.0 × (brightness 0.8, contrast 0.8, saturation 0.8, hue 0.2); grayscale p 0.2; Gaussian
/// blur p 0.5 with σ ∈ (0.1, 2); horizontal flip p 0.5; no vertical flip / rotation; ImageNet
/// normalisation. For CIFAR-size images use `inputSize: 32, blurProb: 0` (the SimCLR paper drops blur
/// on CIFAR) and, as Lightly suggests, `colorJitterStrength: 0.5`.
public struct SimCLRViews: Transform {
    public let view: ViewRecipe

    public init(inputSize: Int = 224, colorJitterProb: Float = 0.8, colorJitterStrength: Float = 1.0,
                brightness: Float = 0.8, contrast: Float = 0.8, saturation: Float = 0.8, hue: Float = 0.2,
                minScale: Float = 0.08, grayscaleProb: Float = 0.2, blurProb: Float = 0.5,
                blurSigma: (Float, Float) = (0.1, 2), blurKernelSize: Int? = nil, vflipProb: Float = 0,
                hflipProb: Float = 0.5, rotationProb: Float = 0, normalize: Normalize? = .imageNet) throws {
        let s = colorJitterStrength
        view = try ViewRecipe(size: inputSize, scale: (minScale, 1), hflipProb: hflipProb, vflipProb: vflipProb,
                              rotationProb: rotationProb, colorJitterProb: colorJitterProb, brightness: s * brightness,
                              contrast: s * contrast, saturation: s * saturation, hue: s * hue,
                              grayscaleProb: grayscaleProb, blurProb: blurProb, blurSigma: blurSigma,
                              blurKernelSize: blurKernelSize, normalize: normalize)
    }

    public func callAsFunction(_ image: Image, _ rng: inout RNG) -> Views {
        let src = FloatImage(image)
        return Views(tensors: [view.view(src, &rng), view.view(src, &rng)])
    }
}
