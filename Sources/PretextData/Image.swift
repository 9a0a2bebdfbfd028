/// An 8-bit RGB image: `height` rows of `width` pixels, each pixel three bytes R, G, B (row-major,
/// interleaved, "HWC"). This is what `ImageDecoder` returns for every PNG/JPEG (grayscale replicated,
/// alpha dropped: the same pixels as Pillow's `Image.open(f).convert("RGB")`), what datasets hand
/// to transforms, and what `PNGWriter` saves.
///
/// Augmentations convert it once to `FloatImage` (float32 CHW in [0, 1]).
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width * height * 3` bytes, RGB, row-major.
    public var pixels: [UInt8]

    /// An image over `pixels` (`width * height * 3` bytes, RGB HWC).
    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0 else {
            throw DataError.invalidArgument(name: "Image", detail: "size \(width)x\(height) must be positive")
        }
        guard pixels.count == width * height * 3 else {
            throw DataError.invalidArgument(
                name: "Image", detail: "\(pixels.count) bytes for a \(width)x\(height) RGB image (needs \(width * height * 3))")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Internal initialiser for callers that already checked the sizes.
    init(uncheckedWidth width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A `width`×`height` image filled with one colour.
    public init(width: Int, height: Int, fill: (r: UInt8, g: UInt8, b: UInt8) = (0, 0, 0)) {
        let w = max(1, width), h = max(1, height)
        var p = [UInt8](repeating: 0, count: w * h * 3)
        for i in 0..<(w * h) {
            p[3 * i] = fill.r
            p[3 * i + 1] = fill.g
            p[3 * i + 2] = fill.b
        }
        self.init(uncheckedWidth: w, height: h, pixels: p)
    }

    /// The sample of channel `c` (0 R, 1 G, 2 B) at column `x`, row `y`.
    @inlinable public subscript(x: Int, y: Int, c: Int) -> UInt8 {
        get { pixels[(y * width + x) * 3 + c] }
        set { pixels[(y * width + x) * 3 + c] = newValue }
    }

    /// An image from a `[3, H, W]` (or `[1, H, W]`) float tensor: each value is mapped back through
    /// `x * std + mean` when `mean`/`std` are given (undoing `Normalize`), then clamped to [0, 1] and
    /// rounded to 8 bits (the inverse of `ToTensor`). Used to save views and MAE reconstructions.
    public init(chw tensor: Tensor, mean: [Float]? = nil, std: [Float]? = nil) throws {
        let s = tensor.shape
        guard s.count == 3, s[0] == 3 || s[0] == 1, s[1] > 0, s[2] > 0 else {
            throw DataError.invalidArgument(name: "Image(chw:)", detail: "expects a [3, H, W] or [1, H, W] tensor, got \(s)")
        }
        let c = s[0], h = s[1], w = s[2]
        if let m = mean, m.count != c {
            throw DataError.invalidArgument(name: "Image(chw:)", detail: "mean has \(m.count) values for \(c) channels")
        }
        if let sd = std, sd.count != c {
            throw DataError.invalidArgument(name: "Image(chw:)", detail: "std has \(sd.count) values for \(c) channels")
        }
        var out = [UInt8](repeating: 0, count: w * h * 3)
        let src = tensor.storage.pointer
        for ch in 0..<3 {
            let sc = c == 1 ? 0 : ch
            let m = mean?[sc] ?? 0, sd = std?[sc] ?? 1
            let plane = src + sc * h * w
            for i in 0..<(h * w) {
                var v = plane[i] * sd + m
                v = v.isNaN ? 0 : min(max(v, 0), 1)
                out[3 * i + ch] = UInt8((v * 255).rounded())
            }
        }
        self.init(uncheckedWidth: w, height: h, pixels: out)
    }
}
