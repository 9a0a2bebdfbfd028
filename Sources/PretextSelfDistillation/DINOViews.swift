import PretextData
import PretextTensor

/// DINO's multi-crop: 2 global crops plus `localViews` small local crops: Caron et al. 2021,
/// arXiv:2104.14294 (multi-crop from SwAV, Caron et al. 2020, arXiv:2006.09882). Lightly equivalent:
/// `DINOTransform`.
///
/// Defaults (Lightly's): global crops 224 px, scale (0.4, 1); 6 local crops 96 px, scale (0.05, 0.4);
/// bicubic resampling; horizontal flip p 0.5; colour jitter p 0.8 with strength 0.5 × (0.8, 0.8, 0.4,
/// 0.2); grayscale p 0.2; blur p 1.0 (global 1), 0.1 (global 2), 0.5 (locals) with σ ∈ (0.1, 2);
/// solarization p 0.2 on global view 2 only; ImageNet normalisation. Views: [global1, global2, locals…].
/// (Lightly does not pass `cj_strength` on to its second global view, which keeps 0.5 whatever is set;
/// here `colorJitterStrength` applies to every view.)
public struct DINOViews: Transform {
    public let global1: ViewRecipe
    public let global2: ViewRecipe
    public let local: ViewRecipe
    public let localViews: Int

    public init(globalCropSize: Int = 224, globalCropScale: (Float, Float) = (0.4, 1), localCropSize: Int = 96,
                localCropScale: (Float, Float) = (0.05, 0.4), localViews: Int = 6, hflipProb: Float = 0.5,
                vflipProb: Float = 0, rotationProb: Float = 0, colorJitterProb: Float = 0.8,
                colorJitterStrength: Float = 0.5, brightness: Float = 0.8, contrast: Float = 0.8,
                saturation: Float = 0.4, hue: Float = 0.2, grayscaleProb: Float = 0.2,
                blurProbs: (Float, Float, Float) = (1.0, 0.1, 0.5), blurSigma: (Float, Float) = (0.1, 2),
                blurKernelSize: Int? = nil, solarizeProb: Float = 0.2, interpolation: Interpolation = .bicubic,
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

    public func callAsFunction(_ image: Image, _ rng: inout RNG) -> Views {
        let src = FloatImage(image)
        var out = [global1.view(src, &rng), global2.view(src, &rng)]
        out.reserveCapacity(2 + localViews)
        for _ in 0..<localViews { out.append(local.view(src, &rng)) }
        return Views(tensors: out)
    }
}
