/// Mirrors top ↔ bottom with probability `p` (torchvision's `RandomVerticalFlip`, default 0.5).
public struct RandomVerticalFlip: ImageAugmentation {
    public var p: Float

    public init(p: Float = 0.5) throws {
        try checkProbability(p, "RandomVerticalFlip")
        self.p = p
    }

    public func apply(_ image: inout FloatImage, _ rng: inout RNG) {
        if rng.uniform() < p { ImageOps.verticalFlip(&image) }
    }
}
