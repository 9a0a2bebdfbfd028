import PretextCore
import PretextData

extension Builtins {
    /// The view presets, each reading its keys from the `views` section with typed getters whose
    /// fallbacks are the view struct's `defaults` (Lightly's, stated there once for the Swift initialiser
    /// and the config alike), so `ssl-run defaults` lists them with docs and an unknown key is an error
    /// with a did-you-mean. A method's own presets come with its plugin (`Registry.registerViewPreset`:
    /// rotation, jigsaw; mae from the opt-in `PretextMaskedModeling`, dino from the opt-in
    /// `PretextSelfDistillation`).
    static func registerTransforms(_ r: Registry) throws {
        let presets: [(String, String, (ViewKeys) throws -> any Transform)] = [
            ("simclr", "SimCLR: 2 views, crop + flip + colour jitter + grayscale + blur (Lightly SimCLRTransform)", simclrViews),
            ("mocov2", "MoCo v2: 2 views as SimCLR with MoCo's jitter (Lightly MoCoV2Transform)", mocoViews),
            ("byol", "BYOL: 2 asymmetric views (blur 1.0/0.1, solarize 0/0.2)", byolViews),
            ("eval", "evaluation: optional resize + centre crop, normalise", evalViews),
            ("custom", "a chain of augmentation steps (views.augmentations: [{op: ..., params}]), views.views copies", customViews),
        ]
        for (name, summary, build) in presets { try r.registerViewPreset(name, summary: summary, build) }
    }

    static func simclrViews(_ k: ViewKeys) throws -> any Transform {
        let d = SimCLRViews.defaults
        let size = try k.size("input_size", d.inputSize, "output side in pixels")
        let minScale = try k.c.float("min_scale", d.minScale, "smallest RandomResizedCrop area fraction")
        let blur = try k.probability("blur_prob", d.blurProb, "probability of Gaussian blur")
        let v = try k.colour(d.colour)
        return try SimCLRViews(inputSize: size, colorJitterProb: v.jitterProb, colorJitterStrength: v.strength,
                               brightness: v.brightness, contrast: v.contrast, saturation: v.saturation, hue: v.hue,
                               minScale: minScale, grayscaleProb: v.grayscaleProb, blurProb: blur, blurSigma: v.blurSigma,
                               blurKernelSize: v.blurKernelSize, vflipProb: v.vflipProb, hflipProb: v.hflipProb,
                               rotationProb: v.rotationProb, normalize: try k.normalization())
    }

    static func mocoViews(_ k: ViewKeys) throws -> any Transform {
        let d = MoCoV2Views.defaults
        let size = try k.size("input_size", d.inputSize, "output side in pixels")
        let minScale = try k.c.float("min_scale", d.minScale, "smallest RandomResizedCrop area fraction")
        let blur = try k.probability("blur_prob", d.blurProb, "probability of Gaussian blur")
        let v = try k.colour(d.colour)
        return try MoCoV2Views(inputSize: size, colorJitterProb: v.jitterProb, colorJitterStrength: v.strength,
                               brightness: v.brightness, contrast: v.contrast, saturation: v.saturation, hue: v.hue,
                               minScale: minScale, grayscaleProb: v.grayscaleProb, blurProb: blur, blurSigma: v.blurSigma,
                               blurKernelSize: v.blurKernelSize, vflipProb: v.vflipProb, hflipProb: v.hflipProb,
                               rotationProb: v.rotationProb, normalize: try k.normalization())
    }

    static func byolViews(_ k: ViewKeys) throws -> any Transform {
        let d = BYOLViews.defaults
        let size = try k.size("input_size", d.inputSize, "output side in pixels")
        let minScale = try k.c.float("min_scale", d.minScale, "smallest RandomResizedCrop area fraction")
        let blur = try k.pair("blur_probs", d.blurProbs, "blur probabilities of [view 1, view 2]")
        let solarize = try k.pair("solarize_probs", d.solarizeProbs, "solarization probabilities of [view 1, view 2]")
        let v = try k.colour(d.colour)
        return try BYOLViews(inputSize: size, colorJitterProb: v.jitterProb, colorJitterStrength: v.strength,
                             brightness: v.brightness, contrast: v.contrast, saturation: v.saturation, hue: v.hue,
                             minScale: minScale, grayscaleProb: v.grayscaleProb, blurProbs: blur, solarizeProbs: solarize,
                             blurSigma: v.blurSigma, blurKernelSize: v.blurKernelSize, vflipProb: v.vflipProb,
                             hflipProb: v.hflipProb, rotationProb: v.rotationProb, normalize: try k.normalization())
    }

    static func evalViews(_ k: ViewKeys) throws -> any Transform {
        let resize = try k.c.int("resize", 0, "shorter side resized to this (0: no resize)", range: 0...65_536)
        let crop = try k.c.int("center_crop", 0, "central crop side (0: no crop)", range: 0...65_536)
        return try SingleView.evaluation(resize: resize == 0 ? nil : resize, centerCrop: crop == 0 ? nil : crop,
                                         normalize: try k.normalization())
    }

    static func customViews(_ k: ViewKeys) throws -> any Transform {
        guard let given = k.c.values["augmentations"], case .list = given, let steps = given.anyValue else {
            throw ConfigError.invalidValue(path: "\(k.c.path).augmentations", detail: "preset 'custom' needs a list of steps, e.g. [{op: random_resized_crop, size: 32}, {op: horizontal_flip}]")
        }
        k.c.passThrough("augmentations", doc: "the chain of each view: [{op: ..., params}] (ssl-run list transform; AugmentationSpec)")
        let specs = try AugmentationSpec.chain(from: steps)
        let chain = Compose(try specs.enumerated().map { try $1.make(index: $0) })
        let count = try k.c.int("views", 1, "number of views made with the chain", range: 1...64)
        return MultiView(chain, count: count, normalize: try k.normalization())
    }
}
