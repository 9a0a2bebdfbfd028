/// One view from an augmentation chain, then ToTensor (+ `normalize` if set): the transform for
/// evaluation (kNN, linear probe) and for custom single-view pipelines.
public struct SingleView: Transform {
    public var augmentation: any ImageAugmentation
    public var normalize: Normalize?

    public init(_ augmentation: any ImageAugmentation = Compose([]), normalize: Normalize? = .imageNet) {
        self.augmentation = augmentation
        self.normalize = normalize
    }

    /// The usual evaluation view: optional `Resize(resize)` (shorter side) and `CenterCrop(centerCrop)`,
    /// then ToTensor and Normalize (ImageNet statistics by default). With no sizes it only converts.
    public static func evaluation(resize: Int? = nil, centerCrop: Int? = nil,
                                  normalize: Normalize? = .imageNet) throws -> SingleView {
        var steps: [any ImageAugmentation] = []
        if let r = resize { steps.append(try Resize(r)) }
        if let c = centerCrop { steps.append(try CenterCrop(c)) }
        return SingleView(Compose(steps), normalize: normalize)
    }

    public func callAsFunction(_ image: Image, _ rng: inout RNG) -> Views {
        var x = FloatImage(image)
        augmentation.apply(&x, &rng)
        return Views(tensors: [normalize?.tensor(x) ?? x.tensor()])
    }
}
