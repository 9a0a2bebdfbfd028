/// Resizes with antialiasing (torchvision's `Resize`): with `shorterSide` the shorter side becomes that
/// size keeping the aspect ratio (`Resize(int)`); with `height`/`width` both are set (`Resize((h, w))`).
public struct Resize: ImageAugmentation {
    public enum Size: Sendable, Equatable {
        case shorterSide(Int)
        case exact(height: Int, width: Int)
    }

    public var size: Size
    public var interpolation: Interpolation

    /// `Resize(size)`: the shorter side becomes `size`.
    public init(_ size: Int, interpolation: Interpolation = .bilinear) throws {
        guard size > 0 else { throw DataError.invalidArgument(name: "Resize", detail: "size \(size) must be positive") }
        self.size = .shorterSide(size)
        self.interpolation = interpolation
    }

    /// `Resize((height, width))`.
    public init(height: Int, width: Int, interpolation: Interpolation = .bilinear) throws {
        guard height > 0, width > 0 else {
            throw DataError.invalidArgument(name: "Resize", detail: "size \(height)x\(width) must be positive")
        }
        self.size = .exact(height: height, width: width)
        self.interpolation = interpolation
    }

    public func apply(_ image: inout FloatImage, _ rng: inout RNG) {
        switch size {
        case let .shorterSide(s):
            image = ImageOps.resizeShorterSide(image, to: s, interpolation: interpolation)
        case let .exact(h, w):
            image = ImageOps.resize(image, height: h, width: w, interpolation: interpolation)
        }
    }
}
