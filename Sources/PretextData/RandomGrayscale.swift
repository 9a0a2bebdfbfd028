/// Converts to grayscale (kept as 3 equal channels) with probability `p` (torchvision's
/// `RandomGrayscale`, default 0.1; SimCLR uses 0.2), with ITU-R 601-2 luma weights 0.2989, 0.587, 0.114.
public struct RandomGrayscale: ImageAugmentation {
    public var p: Float

    public init(p: Float = 0.1) throws {
        try checkProbability(p, "RandomGrayscale")
        self.p = p
    }

    public func apply(_ image: inout FloatImage, _ rng: inout RNG) {
        if rng.uniform() < p { image = ImageOps.grayscale(image, outputChannels: image.channels >= 3 ? 3 : 1) }
    }
}
