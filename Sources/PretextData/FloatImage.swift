/// A float32 image in CHW layout (channel planes, each row-major) with values in [0, 1]: the working
/// representation of every augmentation, with torchvision's float-tensor semantics
/// (`torchvision.transforms.v2.functional` on a `float32` `[C, H, W]` tensor).
///
/// `channels` is 3 for colour images (1 is accepted by the geometric ops and blur).
public struct FloatImage: Sendable, Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    /// `channels * height * width` values, channel-major (CHW).
    public var data: [Float]

    /// An image of the given size filled with `value`.
    public init(channels: Int = 3, height: Int, width: Int, value: Float = 0) {
        self.channels = channels
        self.height = height
        self.width = width
        self.data = [Float](repeating: value, count: channels * height * width)
    }

    /// An image over existing CHW data (count must be `channels * height * width`).
    public init(channels: Int, height: Int, width: Int, data: [Float]) throws {
        guard channels > 0, height > 0, width > 0, data.count == channels * height * width else {
            throw DataError.invalidArgument(
                name: "FloatImage", detail: "\(data.count) values for \(channels)x\(height)x\(width)")
        }
        self.channels = channels
        self.height = height
        self.width = width
        self.data = data
    }

    init(uncheckedChannels channels: Int, height: Int, width: Int, data: [Float]) {
        self.channels = channels
        self.height = height
        self.width = width
        self.data = data
    }

    /// Converts an 8-bit RGB image: value / 255 (torchvision's `to_dtype(uint8 → float32, scale=True)`,
    /// computed as `x * (1/255)` like torchvision v2; `ToTensor` v1 divides, which differs by ≤ 1 ulp).
    public init(_ image: Image) {
        let w = image.width, h = image.height, n = w * h
        let scale: Float = 1.0 / 255.0
        var out = [Float](repeating: 0, count: 3 * n)
        out.withUnsafeMutableBufferPointer { dst in
            image.pixels.withUnsafeBufferPointer { src in
                let r = dst.baseAddress!, g = r + n, b = r + 2 * n
                let s = src.baseAddress!
                for i in 0..<n {
                    r[i] = Float(s[3 * i]) * scale
                    g[i] = Float(s[3 * i + 1]) * scale
                    b[i] = Float(s[3 * i + 2]) * scale
                }
            }
        }
        self.init(uncheckedChannels: 3, height: h, width: w, data: out)
    }

    /// An image from a `[C, H, W]` tensor (copied).
    public init(tensor: Tensor) throws {
        let s = tensor.shape
        guard s.count == 3, s.allSatisfy({ $0 > 0 }) else {
            throw DataError.invalidArgument(name: "FloatImage(tensor:)", detail: "expects a [C, H, W] tensor, got \(s)")
        }
        self.init(uncheckedChannels: s[0], height: s[1], width: s[2], data: tensor.scalars)
    }

    /// The values as a `[C, H, W]` tensor (copied).
    public func tensor() -> Tensor {
        Tensor(shape: [channels, height, width]) { buf in
            data.withUnsafeBufferPointer { src in
                buf.baseAddress!.update(from: src.baseAddress!, count: src.count)
            }
        }
    }

    /// Number of values per channel plane.
    @inlinable public var planeSize: Int { height * width }

    /// Value at channel `c`, row `y`, column `x` (slow; for tests).
    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { data[(c * height + y) * width + x] }
        set { data[(c * height + y) * width + x] = newValue }
    }

    /// Rounds back to 8 bits (clamping to [0, 1]) for saving or viewing; needs 1 or 3 channels.
    public func image() -> Image {
        let n = planeSize
        var out = [UInt8](repeating: 0, count: 3 * n)
        for ch in 0..<3 {
            let sc = channels == 1 ? 0 : min(ch, channels - 1)
            for i in 0..<n {
                let v = data[sc * n + i]
                out[3 * i + ch] = UInt8((v.isNaN ? 0 : min(max(v, 0), 1) * 255).rounded())
            }
        }
        return Image(uncheckedWidth: width, height: height, pixels: out)
    }
}
