import PretextData
import PretextTensor

/// The single view of a masked autoencoder: He et al. 2021, arXiv:2111.06377. Lightly equivalent:
/// `MAETransform`.
///
/// Defaults (Lightly's / the paper's): input size 224, RandomResizedCrop scale (0.2, 1) with bicubic
/// resampling, horizontal flip p 0.5, ImageNet normalisation. (Masking happens in the model.)
public struct MAEViews: Transform {
    public let crop: RandomResizedCrop
    public let hflipProb: Float
    public let normalize: Normalize?

    public init(inputSize: Int = 224, minScale: Float = 0.2, hflipProb: Float = 0.5,
                interpolation: Interpolation = .bicubic, normalize: Normalize? = .imageNet) throws {
        crop = try RandomResizedCrop(size: inputSize, scale: (minScale, 1), interpolation: interpolation)
        try checkProbability(hflipProb, "MAEViews hflipProb")
        self.hflipProb = hflipProb
        self.normalize = normalize
    }

    public func callAsFunction(_ image: Image, _ rng: inout RNG) -> Views {
        var x = FloatImage(image)
        crop.apply(&x, &rng)
        if rng.uniform() < hflipProb { ImageOps.horizontalFlip(&x) }
        return Views(tensors: [normalize?.tensor(x) ?? x.tensor()])
    }
}
