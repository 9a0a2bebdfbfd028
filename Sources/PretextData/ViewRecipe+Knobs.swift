extension ViewRecipe {
    /// The knobs of the chain that the presets built on it expose (SimCLR, MoCo v2, BYOL, DINO; read
    /// from a config by `ViewKeys.colour`). The initialiser's default arguments are the one statement
    /// of the values these presets share, Lightly's `SimCLRViewTransform` defaults; a preset's own
    /// `defaults` states only the knobs where it differs. Its Swift initialiser and its config getter
    /// both read those `defaults`, so the two cannot drift apart.
    public struct Knobs: Sendable {
        /// Probability of colour jitter (Lightly `cj_prob`).
        public var jitterProb: Float
        /// Multiplies the four jitter strengths below (`cj_strength`).
        public var strength: Float
        /// Jitter strengths before `strength` (`cj_bright`, `cj_contrast`, `cj_sat`, `cj_hue`).
        public var brightness: Float, contrast: Float, saturation: Float, hue: Float
        /// Probability of grayscale (`random_gray_scale`).
        public var grayscaleProb: Float
        /// [min, max] of the blur σ (`sigmas`).
        public var blurSigma: (Float, Float)
        /// A fixed odd blur kernel side (`kernel_size`); nil: from σ.
        public var blurKernelSize: Int?
        /// Probabilities of a horizontal flip, a vertical flip, a 90° rotation (`hf_prob`, `vf_prob`, `rr_prob`).
        public var hflipProb: Float, vflipProb: Float, rotationProb: Float

        public init(jitterProb: Float = 0.8, strength: Float = 1, brightness: Float = 0.8, contrast: Float = 0.8,
                    saturation: Float = 0.8, hue: Float = 0.2, grayscaleProb: Float = 0.2,
                    blurSigma: (Float, Float) = (0.1, 2), blurKernelSize: Int? = nil, hflipProb: Float = 0.5,
                    vflipProb: Float = 0, rotationProb: Float = 0) {
            self.jitterProb = jitterProb
            self.strength = strength
            self.brightness = brightness
            self.contrast = contrast
            self.saturation = saturation
            self.hue = hue
            self.grayscaleProb = grayscaleProb
            self.blurSigma = blurSigma
            self.blurKernelSize = blurKernelSize
            self.hflipProb = hflipProb
            self.vflipProb = vflipProb
            self.rotationProb = rotationProb
        }
    }
}
