/// Applies an augmentation with probability `p` (torchvision's `RandomApply`).
public struct RandomApply: ImageAugmentation {
    public var augmentation: any ImageAugmentation
    public var p: Float

    public init(_ augmentation: any ImageAugmentation, p: Float) throws {
        try checkProbability(p, "RandomApply")
        self.augmentation = augmentation
        self.p = p
    }

    public func apply(_ image: inout FloatImage, _ rng: inout RNG) {
        if rng.uniform() < p { augmentation.apply(&image, &rng) }
    }
}
