/// `count` independent views of one augmentation chain, each then ToTensor (+ `normalize`): a custom
/// multi-view transform (e.g. the `custom` view preset).
public struct MultiView: Transform {
    public var augmentation: any ImageAugmentation
    public var count: Int
    public var normalize: Normalize?

    public init(_ augmentation: any ImageAugmentation, count: Int = 2, normalize: Normalize? = .imageNet) {
        self.augmentation = augmentation
        self.count = max(1, count)
        self.normalize = normalize
    }

    public func callAsFunction(_ image: Image, _ rng: inout RNG) -> Views {
        let src = FloatImage(image)
        return Views(tensors: (0..<count).map { _ in
            var x = src
            augmentation.apply(&x, &rng)
            return normalize?.tensor(x) ?? x.tensor()
        })
    }
}
