import PretextCore
import PretextData
import PretextKit
import PretextNN

extension DINOHead: Head {}

/// Self-distillation with multi-crop views (DINO, Caron et al. 2021, arXiv:2104.14294; iBOT, Zhou et al.
/// 2022, arXiv:2111.07832): the `dino` view preset (`DINOViews`), the `dino` head (`DINOHead`), the `dino`
/// loss (`DINOLoss`), iBOT's `ibot-patch` loss (`IBOTPatchLoss`) and forward (`IBOTModel`), `MultiCrop`
/// and the teacher-temperature schedule (`MethodBuilder.teacherTemperatureSchedule`). An opt-in module of
/// the framework's library, outside the plugin umbrella `PretextSDK`: a plugin imports it and calls
/// `register(in:)` (DINO's preset, head and loss: the DINO and iBOT plugins) or `registerIBOT(in:)` from its
/// registration function. Registration skips the names another plugin already registered from this module,
/// so both load side by side.
public enum SelfDistillation {
    /// iBOT's `ibot-patch` loss (the iBOT plugin also calls `register(in:)` for DINO's preset, head and loss).
    public static func registerIBOT(in r: Registry) throws {
        guard r.entry(.loss, "ibot-patch") == nil else { return }
        try r.registerLoss("ibot-patch", summary: "iBOT masked-patch self-distillation: centred teacher vs student cross-entropy per masked patch (Zhou et al. 2022)") { c, _ in
            try IBOTPatchLoss(outputDim: try c.section("head").int("output_dim", 65536, "number of prototypes (the DINO head's output size)"),
                              studentTemp: try c.float("student_temp", 0.1, "student temperature"),
                              centerMomentum: try c.float("patch_center_momentum", 0.9, "momentum of the patch-output centre"))
        }
    }

    /// DINO's `dino` view preset, head and loss.
    public static func register(in r: Registry) throws {
        guard r.entry(.transform, "dino") == nil, r.entry(.head, "dino") == nil, r.entry(.loss, "dino") == nil else { return }
        try r.registerViewPreset("dino", summary: "DINO multi-crop: 2 global + N local crops", dinoViews)
        try r.registerHead("dino", summary: "DINO head: MLP, bottleneck, L2-normalise, weight-normalised prototypes") { c, inDim, ctx in
            DINOHead(inputDim: inDim, hiddenDim: try c.int("hidden_dim", 2048, "MLP hidden width", range: widths),
                     bottleneckDim: try c.int("bottleneck_dim", 256, "bottleneck before the prototypes", range: widths),
                     outputDim: try c.int("output_dim", 65536, "number of prototypes (the softmax size; not the backbone's feature size)", range: widths),
                     batchNorm: try c.bool("batch_norm", false, "batch-norm in the MLP"),
                     numLayers: try c.int("num_layers", 3, "MLP layers", range: 1...64),
                     freezeLastLayer: try c.int("freeze_last_layer", 1, "epochs during which the prototypes are not updated"),
                     normLastLayer: try c.bool("norm_last_layer", true, "fix the prototypes' weight norm to 1"),
                     truncNormalInit: try c.bool("trunc_normal_init", true, "MLP Linears trunc_normal std 0.02 (false: PyTorch's default init)"),
                     rng: &ctx.rng)
        }
        // The loss's options come from the `method` section.
        try r.registerLoss("dino", summary: "DINO self-distillation: centred, sharpened teacher vs student cross-entropy over view pairs (Caron et al. 2021)") { c, _ in
            let outputDim = try c.section("head").int("output_dim", 65536, "number of prototypes (the DINO head's output size)")
            // The teacher temperature is the method's scheduled hyper-parameter (DINO: method.teacher_temp_schedule).
            return try DINOLoss(outputDim: outputDim,
                                studentTemp: try c.float("student_temp", 0.1, "student temperature"),
                                centerMomentum: try c.float("center_momentum", 0.9, "momentum of the teacher-output centre"))
        }
    }

    /// Valid layer widths (as the kit's heads): positive, and small enough to allocate.
    static let widths = 1...1_048_576

    static func dinoViews(_ k: ViewKeys) throws -> any Transform {
        let d = DINOViews.defaults
        let global = try k.size("global_crop_size", d.globalCropSize, "global crop side")
        let globalScale = try k.pair("global_crop_scale", d.globalCropScale, "global crop [min, max] area fraction")
        let local = try k.size("local_crop_size", d.localCropSize, "local crop side")
        let localScale = try k.pair("local_crop_scale", d.localCropScale, "local crop [min, max] area fraction")
        let localViews = try k.c.int("local_views", d.localViews, "number of local crops", range: 0...64)
        let blur = try k.numbers("blur_probs", [d.blurProbs.0, d.blurProbs.1, d.blurProbs.2], "blur probabilities of [global 1, global 2, local]")
        let solarize = try k.probability("solarize_prob", d.solarizeProb, "solarization probability of global view 2")
        let v = try k.colour(d.colour)
        return try DINOViews(globalCropSize: global, globalCropScale: globalScale, localCropSize: local,
                             localCropScale: localScale, localViews: localViews, hflipProb: v.hflipProb,
                             vflipProb: v.vflipProb, rotationProb: v.rotationProb, colorJitterProb: v.jitterProb,
                             colorJitterStrength: v.strength, brightness: v.brightness, contrast: v.contrast,
                             saturation: v.saturation, hue: v.hue, grayscaleProb: v.grayscaleProb,
                             blurProbs: (blur[0], blur[1], blur[2]), blurSigma: v.blurSigma, blurKernelSize: v.blurKernelSize,
                             solarizeProb: solarize, interpolation: try k.interpolation(d.interpolation), normalize: try k.normalization())
    }
}

extension MethodBuilder {
    /// DINO's and iBOT's teacher temperature per optimizer step, `method.teacher_temp_schedule`, a schedule
    /// group: by default `linear-warmup` from `warmup_teacher_temp` to `teacher_temp` over
    /// `warmup_teacher_temp_epochs` (torch.linspace per epoch, as the DINO paper and Lightly), then constant;
    /// those three keys seed the group's options.
    public func teacherTemperatureSchedule(warmupEpochs: Int = 30) throws -> any Schedule {
        let warm = try config.float("warmup_teacher_temp", 0.04, "teacher temperature at epoch 0 (the teacher_temp_schedule's start)", greaterThan: 0)
        let final = try config.float("teacher_temp", 0.07, "teacher temperature after the warm-up (the teacher_temp_schedule's end)", greaterThan: 0)
        let epochs = try config.int("warmup_teacher_temp_epochs", warmupEpochs, "epochs of linear teacher-temperature warm-up", range: 0...1_000_000)
        return try schedule("teacher_temp_schedule", default: "linear-warmup",
                            seeds: ["start": .float(warm), "end": .float(final), "epochs": .int(epochs),
                                    "value": .float(final), "peak": .float(final), "final": .float(final)])
    }
}
