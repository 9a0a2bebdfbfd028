/// torchvision's `ToTensor` (+ optional `Normalize`): an 8-bit RGB `Image` or a `FloatImage` to a
/// `[C, H, W]` float32 tensor with values x/255 in [0, 1] (then (x − mean) / std when `normalize` is set).
/// The presets do this as their last step; use it directly for custom code.
public struct ToTensor: Sendable {
    public var normalize: Normalize?

    public init(normalize: Normalize? = nil) { self.normalize = normalize }

    public func callAsFunction(_ image: Image) -> Tensor { callAsFunction(FloatImage(image)) }

    public func callAsFunction(_ image: FloatImage) -> Tensor { normalize?.tensor(image) ?? image.tensor() }
}
