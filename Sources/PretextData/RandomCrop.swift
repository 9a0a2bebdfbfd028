/// A random `height`×`width` crop after optional zero padding on every side (torchvision's
/// `RandomCrop(size, padding)`; e.g. the CIFAR recipe `RandomCrop(32, padding: 4)`).
public struct RandomCrop: ImageAugmentation {
    public var height: Int
    public var width: Int
    public var padding: Int

    public init(_ size: Int, padding: Int = 0) throws { try self.init(height: size, width: size, padding: padding) }

    public init(height: Int, width: Int, padding: Int = 0) throws {
        guard height > 0, width > 0, padding >= 0 else {
            throw DataError.invalidArgument(name: "RandomCrop", detail: "size \(height)x\(width) / padding \(padding) invalid")
        }
        self.height = height
        self.width = width
        self.padding = padding
    }

    public func apply(_ image: inout FloatImage, _ rng: inout RNG) {
        let ph = image.height + 2 * padding, pw = image.width + 2 * padding
        // An image smaller than the crop is padded (zeros) as torchvision's pad_if_needed would.
        let top = ph > height ? rng.int(below: ph - height + 1) : (ph - height) / 2
        let left = pw > width ? rng.int(below: pw - width + 1) : (pw - width) / 2
        image = ImageOps.crop(image, top: top - padding, left: left - padding, height: height, width: width)
    }
}
