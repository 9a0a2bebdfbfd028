/// Two augmented views for MoCo v2: Chen, Fan, Girshick, He 2020, arXiv:2003.04297 (MoCo v1: He et al.
/// 2019, arXiv:1911.05722). Lightly equivalent: `MoCoV2Transform`.
///
/// Defaults (Lightly's): input size 224, crop scale (0.2, 1), colour jitter p 0.8 with (0.4, 0.4, 0.4,
/// 0.1), grayscale p 0.2, blur p 0.5 with σ ∈ (0.1, 2), horizontal flip p 0.5, ImageNet normalisation.
public struct MoCoV2Views: Transform {
    public let view: ViewRecipe

    public init(inputSize: Int = 224, colorJitterProb: Float = 0.8, colorJitterStrength: Float = 1.0,
                brightness: Float = 0.4, contrast: Float = 0.4, saturation: Float = 0.4, hue: Float = 0.1,
                minScale: Float = 0.2, grayscaleProb: Float = 0.2, blurProb: Float = 0.5,
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
