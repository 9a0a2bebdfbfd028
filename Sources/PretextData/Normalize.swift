/// (x − mean) / std per channel (torchvision's `Normalize`). `imageNet` holds the usual statistics.
public struct Normalize: ImageAugmentation, Equatable, Sendable {
    public var mean: [Float]
    public var std: [Float]

    /// ImageNet mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225), Lightly's `IMAGENET_NORMALIZE`.
    public static let imageNet = Normalize(uncheckedMean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])

    public init(mean: [Float], std: [Float]) throws {
        guard !mean.isEmpty, mean.count == std.count else {
            throw DataError.invalidArgument(name: "Normalize", detail: "mean (\(mean.count)) and std (\(std.count)) need the same non-zero count")
        }
        guard std.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw DataError.invalidArgument(name: "Normalize", detail: "std values \(std) must be positive")
        }
        self.mean = mean
        self.std = std
    }

    init(uncheckedMean mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    public func apply(_ image: inout FloatImage, _ rng: inout RNG) {
        ImageOps.normalize(&image, mean: mean, std: std)
    }

    /// Writes `(image − mean) / std` as a `[C, H, W]` tensor in one pass (ToTensor + Normalize).
    public func tensor(_ image: FloatImage) -> Tensor {
        let n = image.planeSize
        return Tensor(shape: [image.channels, image.height, image.width]) { buf in
            image.data.withUnsafeBufferPointer { src in
                for c in 0..<image.channels {
                    let m = mean[min(c, mean.count - 1)], s = std[min(c, std.count - 1)]
                    let d = buf.baseAddress! + c * n, p = src.baseAddress! + c * n
                    for i in 0..<n { d[i] = (p[i] - m) / s }
                }
            }
        }
    }
}
