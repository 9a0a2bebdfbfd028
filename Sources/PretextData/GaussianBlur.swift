/// Gaussian blur with σ drawn uniformly from `sigma`, applied with probability `p` (SimCLR, Chen et al.
/// 2020, arXiv:2002.05709: σ ∈ [0.1, 2.0]; Lightly's `GaussianBlur(prob, sigmas)`).
///
/// The kernel is torchvision's (`gaussian_blur` with reflect padding). `kernelSize` nil (default) picks
/// 2·⌈3σ⌉ + 1 from the drawn σ, so the blur has the same extent whatever the image size, like the PIL
/// blur Lightly uses; set it (odd) to follow torchvision's `GaussianBlur(kernel_size, sigma)`, e.g.
/// SimCLR's 10% of the image side.
public struct GaussianBlur: ImageAugmentation {
    public var kernelSize: Int?
    public var sigma: (Float, Float)
    public var p: Float

    public init(kernelSize: Int? = nil, sigma: (Float, Float) = (0.1, 2.0), p: Float = 0.5) throws {
        if let k = kernelSize, k < 1 || k % 2 == 0 {
            throw DataError.invalidArgument(name: "GaussianBlur", detail: "kernel size \(k) must be odd and positive")
        }
        try checkRange(sigma, "GaussianBlur sigma", min: 1e-6, max: maxBlurSigma)
        try checkProbability(p, "GaussianBlur")
        self.kernelSize = kernelSize
        self.sigma = sigma
        self.p = p
    }

    public func apply(_ image: inout FloatImage, _ rng: inout RNG) {
        guard rng.uniform() < p else { return }
        let s = rng.uniform(sigma.0, sigma.1)
        ImageOps.gaussianBlur(&image, kernelSize: kernelSize ?? ImageOps.kernelSize(forSigma: s), sigma: max(s, 1e-6))
    }
}
