import PretextCore
import PretextData
import PretextNN
import PretextTensor

extension Builtins {
    /// The loss of DINO (self-distillation); its options come from the `method` section. (MAE's loss
    /// is in the opt-in `PretextMaskedModeling`.)
    static func registerTransformerLosses(_ r: Registry) throws {
        try r.registerLoss("dino", summary: "DINO self-distillation: centred, sharpened teacher vs student cross-entropy over view pairs (Caron et al. 2021)") { c, _ in
            let outputDim = try c.section("head").int("output_dim", 65536, "number of prototypes (the DINO head's output size)")
            // The teacher temperature is the method's scheduled hyper-parameter (DINO: method.teacher_temp_schedule).
            return try DINOLoss(outputDim: outputDim,
                                studentTemp: try c.float("student_temp", 0.1, "student temperature"),
                                centerMomentum: try c.float("center_momentum", 0.9, "momentum of the teacher-output centre"))
        }
    }
}

extension MethodBuilder {
    /// The view transform `preset` with the user's `views` overrides, where keys the user did not set
    /// take `defaults` (values a method derives at build time, e.g. DINO's crop sizes from the
    /// backbone's input size). The preset reads them like given values, so they are recorded in the
    /// run's resolved configuration.
    public func makeViews(_ preset: String, defaults: [String: ConfigValue]) throws -> any Transform {
        viewsConfig.seed(defaults)
        return try makeViews(preset)
    }
}
