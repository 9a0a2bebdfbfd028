import PretextSDK

/// What the jigsaw plugin registers: the `jigsaw` view preset (tiles and permutation labels, its own
/// code) and the `jigsaw` method. Called from the plugin's entry point, and by tests with their own registry.
public enum JigsawPlugin {
    public static func register(in registry: Registry) throws {
        try registry.registerViewPreset("jigsaw", summary: "Jigsaw: 3×3 tiles and a permutation index") { k in
            try JigsawViews(inputSize: try k.size("input_size", 255, "side of the crop cut into tiles"),
                            gridSize: try k.c.int("grid_size", 3, "grid side (3 = 9 tiles)", range: 2...8),
                            tileSize: try k.size("tile_size", 64, "tile side"),
                            minScale: try k.c.float("min_scale", 0.6, "smallest RandomResizedCrop area fraction"),
                            permutationCount: try k.c.int("permutation_count", 100, "number of permutations (classes)", range: 1...100_000),
                            permutationSeed: UInt64(try k.c.int("permutation_seed", 0, "seed of the permutation set", range: 0...Int.max)),
                            perTileNormalization: try k.c.bool("per_tile_normalization", true, "standardise each tile by its own mean/std"),
                            grayscaleProb: try k.probability("grayscale_prob", 0, "probability of grayscale"),
                            normalize: try k.normalization())
        }
        try registry.registerMethod("jigsaw", summary: "Jigsaw puzzles (Noroozi & Favaro 2016): predict the permutation of 3×3 tiles",
                                    defaults: Jigsaw.defaults, demo: Jigsaw.demo) { try Jigsaw($0) }
    }
}
