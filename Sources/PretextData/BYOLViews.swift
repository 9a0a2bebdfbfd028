/// The two asymmetric views of BYOL: Grill et al. 2020, arXiv:2006.07733. Lightly equivalent:
/// `BYOLTransform` (`BYOLView1Transform`, `BYOLView2Transform`).
///
/// Defaults (Lightly's): input size 224, crop scale (0.08, 1), colour jitter p 0.8 with (0.4, 0.4, 0.2,
/// 0.1), grayscale p 0.2, horizontal flip p 0.5, σ ∈ (0.1, 2); view 1: blur p 1.0, solarize p 0;
/// view 2: blur p 0.1, solarize p 0.2; ImageNet normalisation.
public struct BYOLViews: Transform {
    public let view1: ViewRecipe
    public let view2: ViewRecipe

    public init(inputSize: Int = 224, colorJitterProb: Float = 0.8, colorJitterStrength: Float = 1.0,
                brightness: Float = 0.4, contrast: Float = 0.4, saturation: Float = 0.2, hue: Float = 0.1,
                minScale: Float = 0.08, grayscaleProb: Float = 0.2, blurProbs: (Float, Float) = (1.0, 0.1),
                solarizeProbs: (Float, Float) = (0, 0.2), blurSigma: (Float, Float) = (0.1, 2),
                blurKernelSize: Int? = nil, vflipProb: Float = 0, hflipProb: Float = 0.5, rotationProb: Float = 0,
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

    public func callAsFunction(_ image: Image, _ rng: inout RNG) -> Views {
        let src = FloatImage(image)
        return Views(tensors: [view1.view(src, &rng), view2.view(src, &rng)])
    }
}
