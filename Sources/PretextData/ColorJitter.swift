/// Randomly changes brightness, contrast, saturation and hue, in a random order (torchvision's
/// `ColorJitter`), applied with probability `p` (Lightly wraps it in `RandomApply(p=cj_prob)`).
///
/// As torchvision: a strength `b` gives a factor range [max(0, 1 − b), 1 + b] (hue `h`: [−h, h],
/// h ≤ 0.5); a zero strength disables that step (no draw). Sampling order as torchvision's
/// `get_params`: a permutation of the four steps, then one uniform factor per enabled step in the order
/// brightness, contrast, saturation, hue.
public struct ColorJitter: ImageAugmentation {
    /// The fixed outcome of one draw.
    public struct Parameters: Equatable, Sendable {
        public var order: [Int]
        public var brightness: Float?
        public var contrast: Float?
        public var saturation: Float?
        public var hue: Float?

        public init(order: [Int], brightness: Float?, contrast: Float?, saturation: Float?, hue: Float?) {
            self.order = order
            self.brightness = brightness
            self.contrast = contrast
            self.saturation = saturation
            self.hue = hue
        }
    }

    public var brightness: (Float, Float)?
    public var contrast: (Float, Float)?
    public var saturation: (Float, Float)?
    public var hue: (Float, Float)?
    public var p: Float

    /// Strengths as torchvision's `ColorJitter(brightness, contrast, saturation, hue)`.
    public init(brightness: Float = 0, contrast: Float = 0, saturation: Float = 0, hue: Float = 0, p: Float = 1) throws {
        for (name, v) in [("brightness", brightness), ("contrast", contrast), ("saturation", saturation), ("hue", hue)] {
            guard v >= 0, v.isFinite else {
                throw DataError.invalidArgument(name: "ColorJitter", detail: "\(name) strength \(v) must be ≥ 0")
            }
        }
        guard hue <= 0.5 else {
            throw DataError.invalidArgument(name: "ColorJitter", detail: "hue strength \(hue) must be ≤ 0.5")
        }
        try checkProbability(p, "ColorJitter")
        func range(_ v: Float) -> (Float, Float)? { v == 0 ? nil : (max(0, 1 - v), 1 + v) }
        self.brightness = range(brightness)
        self.contrast = range(contrast)
        self.saturation = range(saturation)
        self.hue = hue == 0 ? nil : (-hue, hue)
        self.p = p
    }

    /// Explicit factor ranges (nil skips a step).
    public init(brightnessRange: (Float, Float)?, contrastRange: (Float, Float)?, saturationRange: (Float, Float)?,
                hueRange: (Float, Float)?, p: Float = 1) throws {
        for (name, r) in [("brightness", brightnessRange), ("contrast", contrastRange), ("saturation", saturationRange)] {
            if let r { try checkRange(r, "ColorJitter \(name)", min: 0) }
        }
        if let h = hueRange {
            try checkRange(h, "ColorJitter hue", min: -0.5)
            guard h.1 <= 0.5 else { throw DataError.invalidArgument(name: "ColorJitter", detail: "hue range must lie in [-0.5, 0.5]") }
        }
        try checkProbability(p, "ColorJitter")
        brightness = brightnessRange
        contrast = contrastRange
        saturation = saturationRange
        hue = hueRange
        self.p = p
    }

    /// Draws the order and factors (without the `p` coin).
    public func sampleParameters(_ rng: inout RNG) -> Parameters {
        let order = rng.permutation(4)
        func draw(_ r: (Float, Float)?) -> Float? {
            guard let r else { return nil }
            return rng.uniform(r.0, r.1)
        }
        let b = draw(brightness), c = draw(contrast), s = draw(saturation), h = draw(hue)
        return Parameters(order: order, brightness: b, contrast: c, saturation: s, hue: h)
    }

    /// Applies fixed parameters.
    public static func apply(_ image: inout FloatImage, _ params: Parameters) {
        ImageOps.colorJitter(&image, order: params.order, brightness: params.brightness, contrast: params.contrast,
                             saturation: params.saturation, hue: params.hue)
    }

    public func apply(_ image: inout FloatImage, _ rng: inout RNG) {
        if p < 1, !(rng.uniform() < p) { return }
        Self.apply(&image, sampleParameters(&rng))
    }
}
