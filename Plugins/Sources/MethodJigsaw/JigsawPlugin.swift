import PretextSDK

/// What the jigsaw plugin registers: the `jigsaw` view preset (tiles and permutation labels, its own
/// code) and the `jigsaw` method. Called from the plugin's entry point, and by tests with their own registry.
public enum JigsawPlugin {
    public static func register(in registry: Registry) throws {
        try registry.registerViewPreset("jigsaw", summary: "Jigsaw: 3×3 tiles and a permutation index", views)
        try registry.registerMethod("jigsaw", summary: "Jigsaw puzzles (Noroozi & Favaro 2016): predict the permutation of 3×3 tiles",
                                    defaults: Jigsaw.defaults, demo: Jigsaw.demo) { try Jigsaw($0) }
    }

    /// The `jigsaw` preset: `JigsawViews.defaults` as the fallbacks of its keys.
    static func views(_ k: ViewKeys) throws -> any Transform {
        let d = JigsawViews.defaults
        return try JigsawViews(
            inputSize: try k.size("input_size", d.inputSize, "side of the crop cut into tiles"),
            gridSize: try k.c.int("grid_size", d.gridSize, "grid side (3 = 9 tiles)", range: 2...8),
            tileSize: try k.size("tile_size", d.tileSize, "tile side"),
            minScale: try k.c.float("min_scale", d.minScale, "smallest RandomResizedCrop area fraction"),
            permutationCount: try k.c.int("permutation_count", d.permutationCount, "number of permutations (classes)", range: 1...100_000),
            permutationSeed: UInt64(try k.c.int("permutation_seed", Int(d.permutationSeed), "seed of the permutation set", range: 0...Int.max)),
            perTileNormalization: try k.c.bool("per_tile_normalization", d.perTileNormalization, "standardise each tile by its own mean/std"),
            grayscaleProb: try k.probability("grayscale_prob", d.grayscaleProb, "probability of grayscale"),
            normalize: try k.normalization())
    }
}
