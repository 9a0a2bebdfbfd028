import PretextSDK

/// What the rotation plugin registers: the `rotation` view preset (its own code, not the kit's) and
/// the `rotation` method. Called from the plugin's entry point, and by tests with their own registry.
public enum RotationPlugin {
    public static func register(in registry: Registry) throws {
        try registry.registerViewPreset("rotation", summary: "RotNet: 4 copies rotated 0/90/180/270 with labels") { k in
            let d = RotationViews.defaults
            return try RotationViews(inputSize: try k.size("input_size", d.inputSize, "output side in pixels"),
                                     minScale: try k.c.float("min_scale", d.minScale, "smallest RandomResizedCrop area fraction"),
                                     hflipProb: try k.probability("hflip_prob", d.hflipProb, "probability of a horizontal flip"),
                                     normalize: try k.normalization())
        }
        try registry.registerMethod("rotation", summary: "RotNet (Gidaris et al. 2018): predict 0/90/180/270° rotations",
                                    defaults: Rotation.defaults, demo: Rotation.demo) { try Rotation($0) }
    }
}
