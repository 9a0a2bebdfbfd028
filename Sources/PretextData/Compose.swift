/// Applies augmentations in order (torchvision's `Compose`).
public struct Compose: ImageAugmentation {
    public var steps: [any ImageAugmentation]

    public init(_ steps: [any ImageAugmentation]) { self.steps = steps }

    public func apply(_ image: inout FloatImage, _ rng: inout RNG) {
        for s in steps { s.apply(&image, &rng) }
    }
}
