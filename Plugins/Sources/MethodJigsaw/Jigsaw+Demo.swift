import PretextSDK

extension Jigsaw {
    /// The two-minute demo on the built-in synthetic shapes (`ssl-run --method jigsaw` with no data): the
    /// runner's shared sizing (`DemoSizing`: 32 px images, 3 epochs, kNN before/after) plus the values
    /// below; `demo.note` is said when the demo shows no kNN gain.
    static let demo = """
    views:
      input_size: 60              # 3 x 3 cells of 20 px (the recipe: 96 px, cells of 32)
      tile_size: 16               # a random 16 px crop of each cell (the recipe: 28); a multiple of the ViT's 8 px patch
    demo:
      recipe: templates/recipes/jigsaw-cifar-small.yaml
      note: "jigsaw features do not transfer to whole-image kNN even once the puzzle is solved (Lightly's CIFAR run ends below random initialisation)"
    """
}
