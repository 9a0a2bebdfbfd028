/// Mirrors left ↔ right with probability `p` (torchvision's `RandomHorizontalFlip`, default 0.5).
public struct RandomHorizontalFlip: ImageAugmentation {
    public var p: Float

    public init(p: Float = 0.5) throws {
        try checkProbability(p, "RandomHorizontalFlip")
        self.p = p
    }

    public func apply(_ image: inout FloatImage, _ rng: inout RNG) {
        if rng.uniform() < p { ImageOps.horizontalFlip(&image) }
    }
}
