import Foundation

/// A random crop of random area and aspect ratio, resized to `height`×`width` (torchvision's
/// `RandomResizedCrop`, Inception-style cropping, Szegedy et al. 2015).
///
/// Defaults as torchvision: `scale` (0.08, 1), `ratio` (3/4, 4/3), bilinear with antialias.
/// Parameters follow torchvision's `get_params` exactly: up to 10 attempts drawing the area fraction
/// uniformly in `scale` and the log aspect ratio uniformly in log(`ratio`), w = round(√(A·r)),
/// h = round(√(A/r)) (round half to even), accepted when it fits, then a uniform position; otherwise
/// the fallback central crop clamped to the ratio range. Bicubic results are clamped to [0, 1] (what
/// PIL's 8-bit output does, as in Lightly's DINO/MAE pipelines).
public struct RandomResizedCrop: ImageAugmentation {
    public var height: Int
    public var width: Int
    public var scale: (Float, Float)
    public var ratio: (Float, Float)
    public var interpolation: Interpolation

    public init(size: Int, scale: (Float, Float) = (0.08, 1), ratio: (Float, Float) = (3.0 / 4.0, 4.0 / 3.0),
                interpolation: Interpolation = .bilinear) throws {
        try self.init(height: size, width: size, scale: scale, ratio: ratio, interpolation: interpolation)
    }

    public init(height: Int, width: Int, scale: (Float, Float) = (0.08, 1),
                ratio: (Float, Float) = (3.0 / 4.0, 4.0 / 3.0), interpolation: Interpolation = .bilinear) throws {
        guard height > 0, width > 0 else {
            throw DataError.invalidArgument(name: "RandomResizedCrop", detail: "size \(height)x\(width) must be positive")
        }
        try checkRange(scale, "RandomResizedCrop scale", min: 0)
        try checkRange(ratio, "RandomResizedCrop ratio", min: 1e-6)
        self.height = height
        self.width = width
        self.scale = scale
        self.ratio = ratio
        self.interpolation = interpolation
    }

    /// torchvision's `RandomResizedCrop.get_params` for an image of `height`×`width`.
    public static func parameters(height: Int, width: Int, scale: (Float, Float), ratio: (Float, Float),
                                  rng: inout RNG) -> CropBox {
        let area = Double(height * width)
        let logLo = log(Double(ratio.0)), logHi = log(Double(ratio.1))
        for _ in 0..<10 {
            let targetArea = area * (Double(scale.0) + Double(scale.1 - scale.0) * rng.uniformDouble())
            let aspect = exp(logLo + (logHi - logLo) * rng.uniformDouble())
            let w = Int((targetArea * aspect).squareRoot().rounded(.toNearestOrEven))
            let h = Int((targetArea / aspect).squareRoot().rounded(.toNearestOrEven))
            if w > 0, w <= width, h > 0, h <= height {
                let top = rng.int(below: height - h + 1)
                let left = rng.int(below: width - w + 1)
                return CropBox(top: top, left: left, height: h, width: w)
            }
        }
        // Fallback: central crop at the nearest allowed aspect ratio.
        let inRatio = Double(width) / Double(height)
        var w = width, h = height
        let lo = Double(min(ratio.0, ratio.1)), hi = Double(max(ratio.0, ratio.1))
        if inRatio < lo {
            w = width
            h = Int((Double(w) / lo).rounded(.toNearestOrEven))
        } else if inRatio > hi {
            h = height
            w = Int((Double(h) * hi).rounded(.toNearestOrEven))
        }
        return CropBox(top: (height - h) / 2, left: (width - w) / 2, height: h, width: w)
    }

    /// The crop for `box`, resized to this transform's size.
    public func apply(_ image: inout FloatImage, box: CropBox) {
        image = ImageOps.resizedCrop(image, top: box.top, left: box.left, height: box.height, width: box.width,
                                     outputHeight: height, outputWidth: width, interpolation: interpolation)
        if interpolation == .bicubic {
            image.data.withUnsafeMutableBufferPointer { b in
                for i in 0..<b.count { b[i] = min(max(b[i], 0), 1) }
            }
        }
    }

    public func apply(_ image: inout FloatImage, _ rng: inout RNG) {
        let box = Self.parameters(height: image.height, width: image.width, scale: scale, ratio: ratio, rng: &rng)
        apply(&image, box: box)
    }
}
