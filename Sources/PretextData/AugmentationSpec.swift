/// One step of a custom augmentation chain in a config (`preset: custom`), e.g.
/// `{op: random_resized_crop, size: 32, scale: [0.2, 1]}`. `op` names a torchvision-style transform;
/// the other fields are its parameters (unset ones take the transform's defaults).
///
/// Ops: random_resized_crop (size | height+width, scale, ratio, interpolation), resize (size = shorter
/// side, or height+width; interpolation), center_crop (size | height+width), random_crop (size,
/// padding), horizontal_flip (p), vertical_flip (p), rotation90 (p, quarterTurns), color_jitter
/// (brightness, contrast, saturation, hue, p), grayscale (p), gaussian_blur (kernelSize, sigma, p),
/// solarize (threshold, p), normalize (mean, std).
public struct AugmentationSpec: Codable, Equatable, Sendable {
    public var op: String
    public var size: Int?
    public var height: Int?
    public var width: Int?
    public var scale: [Float]?
    public var ratio: [Float]?
    public var interpolation: Interpolation?
    public var padding: Int?
    public var p: Float?
    public var quarterTurns: [Int]?
    public var brightness: Float?
    public var contrast: Float?
    public var saturation: Float?
    public var hue: Float?
    public var kernelSize: Int?
    public var sigma: [Float]?
    public var threshold: Float?
    public var mean: [Float]?
    public var std: [Float]?

    public static let ops = ["random_resized_crop", "resize", "center_crop", "random_crop", "horizontal_flip",
                             "vertical_flip", "rotation90", "color_jitter", "grayscale", "gaussian_blur", "solarize",
                             "normalize"]

    public init(op: String) { self.op = op }

    /// The augmentation this step describes; `index` is its position, for error messages.
    public func make(index: Int = 0) throws -> any ImageAugmentation {
        let key = "augmentations[\(index)]"
        func pair(_ v: [Float]?, _ name: String, _ fallback: (Float, Float)) throws -> (Float, Float) {
            guard let v else { return fallback }
            guard v.count == 2 else { throw DataError.invalidConfig(key: "\(key).\(name)", reason: "expected [min, max]") }
            return (v[0], v[1])
        }
        func hw() throws -> (Int, Int) {
            if let s = size { return (s, s) }
            guard let h = height, let w = width else {
                throw DataError.invalidConfig(key: key, reason: "\(op) needs size, or height and width")
            }
            return (h, w)
        }
        do {
            switch op.lowercased() {
            case "random_resized_crop":
                let (h, w) = try hw()
                return try RandomResizedCrop(height: h, width: w, scale: try pair(scale, "scale", (0.08, 1)),
                                             ratio: try pair(ratio, "ratio", (3.0 / 4.0, 4.0 / 3.0)),
                                             interpolation: interpolation ?? .bilinear)
            case "resize":
                if let s = size, height == nil { return try Resize(s, interpolation: interpolation ?? .bilinear) }
                let (h, w) = try hw()
                return try Resize(height: h, width: w, interpolation: interpolation ?? .bilinear)
            case "center_crop":
                let (h, w) = try hw()
                return try CenterCrop(height: h, width: w)
            case "random_crop":
                let (h, w) = try hw()
                return try RandomCrop(height: h, width: w, padding: padding ?? 0)
            case "horizontal_flip":
                return try RandomHorizontalFlip(p: p ?? 0.5)
            case "vertical_flip":
                return try RandomVerticalFlip(p: p ?? 0.5)
            case "rotation90":
                return try RandomRotation90(p: p ?? 0.5, quarterTurns: quarterTurns ?? [1])
            case "color_jitter":
                return try ColorJitter(brightness: brightness ?? 0, contrast: contrast ?? 0, saturation: saturation ?? 0,
                                       hue: hue ?? 0, p: p ?? 1)
            case "grayscale":
                return try RandomGrayscale(p: p ?? 0.1)
            case "gaussian_blur":
                return try GaussianBlur(kernelSize: kernelSize, sigma: try pair(sigma, "sigma", (0.1, 2)), p: p ?? 0.5)
            case "solarize":
                return try RandomSolarization(threshold: threshold ?? 0.5, p: p ?? 0.5)
            case "normalize":
                return try Normalize(mean: mean ?? Normalize.imageNet.mean, std: std ?? Normalize.imageNet.std)
            default:
                let hint = Self.closest(to: op, in: Self.ops).map { " (did you mean '\($0)'?)" } ?? ""
                throw DataError.invalidConfig(key: "\(key).op", reason: "unknown op '\(op)'\(hint); ops: \(Self.ops.joined(separator: ", "))")
            }
        } catch let DataError.invalidArgument(name, detail) {
            throw DataError.invalidConfig(key: key, reason: "\(name): \(detail)")
        }
    }
}
