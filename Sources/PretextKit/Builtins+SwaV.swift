import PretextCore
import PretextData
import PretextNN

extension Builtins {
    /// SwaV's parts (Caron et al. 2020, arXiv:2006.09882), shared through the registry so a plugin of the
    /// clustering family (SwaV, and later DeepCluster v2 or SMoG) reuses them: the `swav` loss
    /// (`SwaVLoss`, options from the method section), the `swav-projection` and `swav-prototypes` heads
    /// and the `swav` multi-crop view preset (`SwaVViews`).
    static func registerSwaV(_ r: Registry) throws {
        try r.registerLoss("swav", summary: "SwaV swapped prediction of Sinkhorn codes over multi-crop pairs (Lightly SwaVLoss)") { c, _ in
            let loss = try SwaVLoss(temperature: try c.float("temperature", 0.1, "τ of the predicting crops' softmax", greaterThan: 0),
                                    sinkhornIterations: try c.int("sinkhorn_iterations", 3, "Sinkhorn-Knopp iterations of the codes", range: 0...1000),
                                    sinkhornEpsilon: try c.float("sinkhorn_epsilon", 0.05, "ε of the codes' exp(scores / ε)", greaterThan: 0))
            loss.gatherDistributed = try DistributedBatch.setting(c)
            return loss
        }
        try r.registerHead("swav-projection", summary: "SwaV projector: Linear-BN-ReLU-Linear (Lightly SwaVProjectionHead)") { c, inDim, ctx in
            ProjectionHead.swavProjection(inDim: inDim, hiddenDim: try c.int("hidden_dim", 2048, "hidden width", range: Builtins.widths),
                                          outDim: try c.int("output_dim", 128, "embedding size (the prototypes' input)", range: Builtins.widths), rng: &ctx.rng)
        }
        try r.registerHead("swav-prototypes", summary: "SwaV prototypes: Linear with unit-norm rows, optionally frozen at first (Lightly SwaVPrototypes)") { c, inDim, ctx in
            try SwaVPrototypes(inputDim: inDim,
                               prototypes: try c.int("n_prototypes", 3000, "number of prototypes K (the codes' size)", range: Builtins.widths),
                               frozenSteps: try c.int("n_steps_frozen_prototypes", 0, "steps (as the method counts them; swav: epochs) during which the prototypes get no gradient", range: 0...1_000_000_000),
                               rng: &ctx.rng)
        }
        try r.registerViewPreset("swav", summary: "SwaV multi-crop: N high-resolution + M low-resolution crops (Lightly SwaVTransform)", swavViews)
    }

    static func swavViews(_ k: ViewKeys) throws -> any Transform {
        let d = SwaVViews.defaults
        let global = try k.size("global_crop_size", d.globalCropSize, "high-resolution crop side (Lightly crop_sizes[0])")
        let globalScale = try k.pair("global_crop_scale", d.globalCropScale, "high-resolution crop [min, max] area fraction")
        let globalViews = try k.c.int("global_views", d.globalViews, "number of high-resolution crops (they assign the codes)", range: 1...64)
        let local = try k.size("local_crop_size", d.localCropSize, "low-resolution crop side (Lightly crop_sizes[1])")
        let localScale = try k.pair("local_crop_scale", d.localCropScale, "low-resolution crop [min, max] area fraction")
        let localViews = try k.c.int("local_views", d.localViews, "number of low-resolution crops", range: 0...64)
        let blur = try k.probability("blur_prob", d.blurProb, "probability of Gaussian blur (every crop)")
        let v = try k.colour(d.colour)
        return try SwaVViews(globalCropSize: global, globalCropScale: globalScale, globalViews: globalViews,
                             localCropSize: local, localCropScale: localScale, localViews: localViews,
                             hflipProb: v.hflipProb, vflipProb: v.vflipProb, rotationProb: v.rotationProb,
                             colorJitterProb: v.jitterProb, colorJitterStrength: v.strength, brightness: v.brightness,
                             contrast: v.contrast, saturation: v.saturation, hue: v.hue, grayscaleProb: v.grayscaleProb,
                             blurProb: blur, blurSigma: v.blurSigma, blurKernelSize: v.blurKernelSize,
                             interpolation: try k.interpolation(d.interpolation), normalize: try k.normalization())
    }
}
