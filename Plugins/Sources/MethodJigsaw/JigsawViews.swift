import PretextSDK

/// The jigsaw puzzle pretext task: Noroozi & Favaro 2016, arXiv:1603.09246. A square crop is cut into a
/// `gridSize`×`gridSize` grid of cells; from each cell a `tileSize` tile is cut at a random offset (the
/// random gaps/jitter that stop the network from matching edges); the tiles are shuffled by one
/// permutation of `permutations` and its index is the label.
///
/// Output: `gridSize²` views (each `[3, tileSize, tileSize]`), view i is the tile from grid position
/// `permutations[label][i]` (positions row-major), and `labels = [label]`. To put a puzzle back:
/// `solved[permutations[label][i]] = views[i]`.
///
/// Defaults: `JigsawViews.defaults` (Lightly's `Jigsaw` with the paper's maximal-Hamming permutations),
/// also the `jigsaw` preset's: a square RandomResizedCrop of `inputSize`, cut into `inputSize / gridSize`
/// px cells holding `tileSize` tiles; each tile normalised by its own mean and standard deviation
/// (paper §3.3, against low-level shortcuts), or by `normalize` when `perTileNormalization` is false.
/// For CIFAR try `inputSize: 48, tileSize: 14`.
public struct JigsawViews: Transform {
    public let inputSize: Int
    public let gridSize: Int
    public let tileSize: Int
    public let crop: RandomResizedCrop
    public let perTileNormalization: Bool
    public let normalize: Normalize?
    public let grayscaleProb: Float
    /// The permutation set (save it with a run: labels index into it).
    public let permutations: [[Int]]

    public init(inputSize: Int = defaults.inputSize, gridSize: Int = defaults.gridSize, tileSize: Int = defaults.tileSize,
                minScale: Float = defaults.minScale, permutationCount: Int = defaults.permutationCount,
                permutationSeed: UInt64 = defaults.permutationSeed,
                perTileNormalization: Bool = defaults.perTileNormalization, grayscaleProb: Float = defaults.grayscaleProb,
                normalize: Normalize? = .imageNet) throws {
        guard gridSize >= 2, inputSize / gridSize >= tileSize, tileSize >= 1 else {
            throw DataError.invalidArgument(
                name: "JigsawViews",
                detail: "a \(gridSize)x\(gridSize) grid over \(inputSize) px has \(inputSize / max(gridSize, 1)) px cells, "
                    + "which cannot hold \(tileSize) px tiles: lower tileSize or raise inputSize")
        }
        try checkProbability(grayscaleProb, "JigsawViews grayscaleProb")
        self.inputSize = inputSize
        self.gridSize = gridSize
        self.tileSize = tileSize
        self.crop = try RandomResizedCrop(size: inputSize, scale: (minScale, 1), ratio: (1, 1))
        self.perTileNormalization = perTileNormalization
        self.normalize = normalize
        self.grayscaleProb = grayscaleProb
        self.permutations = try JigsawPermutations.generate(count: permutationCount, gridSize: gridSize,
                                                            seed: permutationSeed)
    }

    /// The tiles of `image` (already `inputSize` square) in grid order, with the given offsets inside
    /// each cell (`offsets[i] = (dy, dx)`, each in 0...cell − tileSize).
    public func tiles(_ image: FloatImage, offsets: [(Int, Int)]) -> [FloatImage] {
        let cell = inputSize / gridSize
        return (0..<(gridSize * gridSize)).map { i in
            let r = i / gridSize, c = i % gridSize
            return ImageOps.crop(image, top: r * cell + offsets[i].0, left: c * cell + offsets[i].1,
                                 height: tileSize, width: tileSize)
        }
    }

    public var viewSides: [Int] { Array(repeating: tileSize, count: gridSize * gridSize) }

    public func callAsFunction(_ image: Image, _ rng: inout RNG) -> Views {
        var x = FloatImage(image)
        crop.apply(&x, &rng)
        if rng.uniform() < grayscaleProb { x = ImageOps.grayscale(x, outputChannels: 3) }
        let side = inputSize / gridSize - tileSize
        let offsets = (0..<(gridSize * gridSize)).map { _ in (rng.int(below: side + 1), rng.int(below: side + 1)) }
        let pieces = tiles(x, offsets: offsets)
        let label = rng.int(below: permutations.count)
        let perm = permutations[label]
        let tensors = perm.map { pos -> Tensor in
            let t = pieces[pos]
            if perTileNormalization { return Self.standardized(t) }
            return normalize?.tensor(t) ?? t.tensor()
        }
        return Views(tensors: tensors, labels: [label])
    }

    /// A tile as a tensor with zero mean and unit standard deviation per channel (std floored at 1e-3).
    static func standardized(_ t: FloatImage) -> Tensor {
        let n = t.planeSize
        return Tensor(shape: [t.channels, t.height, t.width]) { buf in
            for c in 0..<t.channels {
                var sum = 0.0, sq = 0.0
                for i in 0..<n { let v = Double(t.data[c * n + i]); sum += v; sq += v * v }
                let mean = sum / Double(n)
                let std = max((max(sq / Double(n) - mean * mean, 0)).squareRoot(), 1e-3)
                for i in 0..<n { buf[c * n + i] = Float((Double(t.data[c * n + i]) - mean) / std) }
            }
        }
    }

    /// The jigsaw task's defaults, stated once: the initialiser's default arguments and the `jigsaw`
    /// preset's config fallbacks (`ssl-run defaults jigsaw`) both read them.
    public struct Defaults: Sendable {
        /// Side of the crop cut into tiles (Lightly `img_size`).
        public let inputSize = 255
        /// Grid side (`n_grid`); the views are its gridSize² tiles.
        public let gridSize = 3
        /// Tile side (`crop_size`).
        public let tileSize = 64
        /// Smallest RandomResizedCrop area fraction.
        public let minScale: Float = 0.6
        /// Number of permutations, the classes (the paper's set size), and the seed of the set.
        public let permutationCount = 100
        public let permutationSeed: UInt64 = 0
        /// Standardise each tile by its own mean/std (paper §3.3).
        public let perTileNormalization = true
        /// Probability of grayscale (the paper's colour-shortcut remedy; off by default).
        public let grayscaleProb: Float = 0
    }

    public static let defaults = Defaults()
}
