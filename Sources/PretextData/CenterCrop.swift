/// The central `height`×`width` region (torchvision's `CenterCrop`; zero-pads when larger than the image).
public struct CenterCrop: ImageAugmentation {
    public var height: Int
    public var width: Int

    public init(_ size: Int) throws { try self.init(height: size, width: size) }

    public init(height: Int, width: Int) throws {
        guard height > 0, width > 0 else {
            throw DataError.invalidArgument(name: "CenterCrop", detail: "size \(height)x\(width) must be positive")
        }
        self.height = height
        self.width = width
    }

    public func apply(_ image: inout FloatImage, _ rng: inout RNG) {
        image = ImageOps.centerCrop(image, height: height, width: width)
    }
}
