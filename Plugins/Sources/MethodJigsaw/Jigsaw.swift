import PretextSDK

/// Jigsaw puzzles (Noroozi & Favaro 2016, "Unsupervised Learning of Visual Representations by Solving
/// Jigsaw Puzzles", arXiv:1603.09246).
///
/// Each image is cut into a 3×3 grid; a tile is cut from each cell at a random offset (gaps against edge
/// matching), the tiles are shuffled by one of a fixed set of permutations chosen for maximal Hamming
/// distance (default 100, seeded, saved in checkpoints), each tile goes through the shared backbone, the
/// features are concatenated in shuffled order and an MLP (9·features → 512 → permutations) predicts the
/// permutation index. `jigsaw_accuracy` is logged. Defaults follow the shared CIFAR recipe: the image at
/// 96 px, 32 px cells, 28 px tiles, grayscale with p 0.3 per tile, ImageNet normalisation.
public final class Jigsaw: Method {
    public let backbone: any Backbone
    let head: any Head
    let loss: any Loss
    public let views: any Transform
    let permutations: Tensor
    public var modules: [String: Module] { ["backbone": backbone, "head": head] }

    public init(_ b: MethodBuilder) throws {
        backbone = try b.makeBackbone()
        views = try b.makeViews("jigsaw")
        guard let jigsaw = views as? JigsawViews else {
            throw ConfigError.invalidValue(path: "views.preset", detail: "the jigsaw method needs the jigsaw view preset")
        }
        let tiles = jigsaw.gridSize * jigsaw.gridSize
        let perms = jigsaw.permutations
        permutations = Tensor(shape: [perms.count, tiles], scalars: perms.flatMap { $0.map(Float.init) })
        let section = b.config.section("head")
        let hidden = try section.int("hidden_dim", 512, "hidden width of the permutation classifier")
        head = try b.registry.makeHead("mlp", ConfigSection(path: section.path, values: [
            "hidden_dims": .list([.int(hidden)]), "output_dim": .int(perms.count), "batch_norm": .bool(true)]),
            inputDim: tiles * backbone.featureDim, b.context)
        loss = try b.makeLoss("cross-entropy")
    }

    public func step(_ batch: Batch, _ context: StepContext) throws -> StepOutput {
        let t = batch.views.count, n = batch.views[0].shape[0]
        let features = try backbone(Tensor.cat(batch.views, axis: 0))             // [t·n, d], tile-major
        let d = features.shape[1]
        let perImage = try features.reshaped([t, n, d]).permuted([1, 0, 2]).reshaped([n, t * d])
        let labels = batch.viewLabels.isEmpty ? [] : batch.viewLabels[0]
        let logits = try head(perImage)
        let l = try loss([logits, Tensor(labels.map(Float.init))])
        return StepOutput(loss: l, metrics: ["jigsaw_accuracy": try Accuracy.top1(logits: logits, labels: labels)])
    }

    public func extraState() -> [String: Tensor] { ["permutations": permutations] }

    public func loadExtraState(_ state: [String: Tensor]) throws {
        guard let p = state["permutations"], p.shape == permutations.shape, p.scalars == permutations.scalars else {
            throw ConfigError.invalidValue(path: "views", detail: "the checkpoint's permutation set differs from this configuration's (views.permutation_count / permutation_seed changed?)")
        }
    }

    public static let defaults = """
    method:
      label_smoothing: 0          # cross-entropy label smoothing
      head:
        hidden_dim: 512           # permutation classifier: 9·features → 512 (BN, ReLU) → permutations
    optimizer:
      name: sgd
      lr: 0.06
      momentum: 0.9
      weight_decay: 0.0005
    schedule:
      name: cosine
    views:
      preset: jigsaw
      input_size: 96              # the image is resized to 96 px, a 3×3 grid of 32 px cells
      tile_size: 28               # a random 28 px tile per cell (the gap stops edge matching)
      min_scale: 1.0              # whole image (no extra crop)
      grayscale_prob: 0.3         # per tile, against chromatic-aberration cues
      per_tile_normalization: false
      permutation_count: 100      # permutations of maximal Hamming distance (the classes)
      permutation_seed: 0
    """
}
