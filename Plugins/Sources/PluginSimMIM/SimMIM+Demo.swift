import PretextSDK

extension SimMIM {
    /// The two-minute demo on the built-in synthetic shapes (`ssl-run --method simmim` with no data): the
    /// runner's shared sizing (`DemoSizing`: 32 px images, 3 epochs, kNN before/after) plus the values
    /// below; `demo.note` is said when the demo shows no kNN gain.
    static let demo = """
    demo:
      recipe: templates/recipes/simmim-vit-cifar-small.yaml
      note: "SimMIM learns to reconstruct first (see the falling loss); its features follow over several epochs"
    """
}
