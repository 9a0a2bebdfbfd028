import PretextCore
import PretextData

/// The `views` section as a view preset reads it: typed getters with doc and range for the knobs
/// several presets share (probabilities, [min, max] pairs, interpolation, normalisation, the colour
/// chain of `ViewRecipe`). Each preset passes its view struct's `defaults` as the fallbacks, so a
/// default is stated once, in that struct, for its Swift initialiser and the config alike, and
/// `ssl-run defaults` shows it with its doc. Plugins use it for their own presets
/// (`Registry.registerViewPreset`).
public struct ViewKeys {
    public let c: ConfigSection

    public init(_ c: ConfigSection) { self.c = c }

    /// The knobs of the SimCLR-style augmentation chain, read by `colour(_:)` with a preset's defaults.
    public typealias Colour = ViewRecipe.Knobs

    public func probability(_ key: String, _ fallback: Float, _ doc: String) throws -> Float {
        let p = try c.float(key, fallback, doc)
        guard (0...1).contains(p) else {
            throw ConfigError.invalidValue(path: "\(c.path).\(key)", detail: "is \(p); a probability must be between 0 and 1")
        }
        return p
    }

    /// A side in pixels (no upper bound here: sizes beyond the machine are refused by the runner's
    /// memory estimate, with the figure).
    public func size(_ key: String, _ fallback: Int, _ doc: String) throws -> Int {
        try c.int(key, fallback, doc, range: 1...Int.max)
    }

    /// A list of `count` numbers (`[min, max]` by default).
    public func numbers(_ key: String, _ fallback: [Float], _ doc: String) throws -> [Float] {
        let v = try c.floats(key, fallback, doc)
        guard v.count == fallback.count else {
            throw ConfigError.invalidValue(path: "\(c.path).\(key)", detail: "expected \(fallback.count) numbers (\(fallback)), got \(v.count)")
        }
        return v
    }

    public func pair(_ key: String, _ fallback: (Float, Float), _ doc: String) throws -> (Float, Float) {
        let v = try numbers(key, [fallback.0, fallback.1], doc)
        return (v[0], v[1])
    }

    public func interpolation(_ fallback: Interpolation) throws -> Interpolation {
        let name = try c.string("interpolation", fallback.rawValue, "resampling of the crops: bilinear or bicubic",
                                choices: Interpolation.allCases.map(\.rawValue))
        return Interpolation(rawValue: name) ?? fallback
    }

    /// `normalize` (default on) with `mean` and `std` per channel (default ImageNet's statistics).
    public func normalization() throws -> Normalize? {
        guard try c.bool("normalize", true, "false: no normalisation after ToTensor") else {
            for key in ["mean", "std"] where c.has(key) {
                throw ConfigError.invalidValue(path: "\(c.path).\(key)", detail: "is set together with normalize: false")
            }
            return nil
        }
        let imageNet = Normalize.imageNet
        let mean = try numbers("mean", imageNet.mean, "normalisation mean per channel (default ImageNet)")
        let std = try numbers("std", imageNet.std, "normalisation std per channel (default ImageNet)")
        if mean == imageNet.mean && std == imageNet.std { return imageNet }
        do {
            return try Normalize(mean: mean, std: std)
        } catch {
            throw ConfigError.invalidValue(path: "\(c.path).std", detail: "\(error)")
        }
    }

    /// The colour chain's knobs; `defaults` holds the preset's values.
    public func colour(_ defaults: Colour) throws -> Colour {
        var v = defaults
        v.jitterProb = try probability("color_jitter_prob", defaults.jitterProb, "probability of colour jitter")
        v.strength = try c.float("color_jitter_strength", defaults.strength, "multiplies brightness/contrast/saturation/hue (0.5 = milder jitter)")
        v.brightness = try c.float("brightness", defaults.brightness, "brightness strength before color_jitter_strength")
        v.contrast = try c.float("contrast", defaults.contrast, "contrast strength before color_jitter_strength")
        v.saturation = try c.float("saturation", defaults.saturation, "saturation strength before color_jitter_strength")
        v.hue = try c.float("hue", defaults.hue, "hue strength before color_jitter_strength")
        v.grayscaleProb = try probability("grayscale_prob", defaults.grayscaleProb, "probability of grayscale")
        v.blurSigma = try pair("blur_sigma", defaults.blurSigma, "[min, max] of the blur sigma")
        let k = try c.int("blur_kernel_size", defaults.blurKernelSize ?? 0, "odd blur kernel size (0: from sigma, 2*ceil(3*sigma)+1)", range: 0...1001)
        v.blurKernelSize = k == 0 ? nil : k
        v.hflipProb = try probability("hflip_prob", defaults.hflipProb, "probability of a horizontal flip")
        v.vflipProb = try probability("vflip_prob", defaults.vflipProb, "probability of a vertical flip")
        v.rotationProb = try probability("rotation_prob", defaults.rotationProb, "probability of a 90-degree rotation")
        return v
    }
}
