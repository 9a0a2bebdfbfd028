import PretextCore
import PretextData
import PretextNN
import PretextTensor

extension Builtins {
    /// The losses of the transformer methods: `dino` (DINO self-distillation) and `mae` (masked
    /// patch reconstruction). Their options come from the `method` section.
    static func registerTransformerLosses(_ r: Registry) throws {
        try r.registerLoss("dino", summary: "DINO self-distillation: centred, sharpened teacher vs student cross-entropy over view pairs (Caron et al. 2021)") { c, _ in
            let outputDim = try c.section("head").int("output_dim", 65536, "number of prototypes (the DINO head's output size)")
            // The teacher temperature is the method's scheduled hyper-parameter (DINO: method.teacher_temp_schedule).
            return try DINOLoss(outputDim: outputDim,
                                studentTemp: try c.float("student_temp", 0.1, "student temperature"),
                                centerMomentum: try c.float("center_momentum", 0.9, "momentum of the teacher-output centre"))
        }
        try r.registerLoss("mae", summary: "MAE: pixel MSE on the masked patches, optionally per-patch normalised targets (He et al. 2021)") { c, _ in
            MAELoss(normPixLoss: try c.bool("norm_pix_loss", true, "standardise each target patch by its own mean and variance (the paper's default)"))
        }
    }
}

extension MethodBuilder {
    /// The view transform `preset` with the user's `views` overrides, where keys the user did not set
    /// take `defaults` (values a method derives at build time, e.g. DINO's crop sizes from the
    /// backbone's input size). Every default applied is recorded in the run's resolved configuration.
    public func makeViews(_ preset: String, defaults: [String: ConfigValue]) throws -> any Transform {
        var values = viewsConfig.values
        for (key, value) in defaults.sorted(by: { $0.key < $1.key }) where !viewsConfig.has(key) {
            values[key] = value
        }
        // Record the derived values (and every given key) as read in the section the runner validates.
        for (key, value) in defaults.sorted(by: { $0.key < $1.key }) where !viewsConfig.resolved.contains(where: { $0.key == key }) {
            switch value {
            case let .int(i): _ = try viewsConfig.int(key, i, "derived by the method")
            case let .double(d): _ = try viewsConfig.double(key, d, "derived by the method")
            case let .bool(b): _ = try viewsConfig.bool(key, b, "derived by the method")
            case let .string(s): _ = try viewsConfig.string(key, s, "derived by the method")
            default: viewsConfig.accept(key)
            }
        }
        for key in viewsConfig.values.keys.sorted() where key != "preset" {
            viewsConfig.accept(key)
            viewsConfig.passThrough(key, doc: Builtins.viewKeyDoc(key))
        }
        let name = try viewsConfig.string("preset", preset, "view preset (ssl-run list transform); switching it drops the previous one's options")
        return try registry.makeTransform(name, ConfigSection(path: viewsConfig.path, values: values), context)
    }
}
