import PretextSDK

extension MAE {
    /// The two-minute demo on the built-in synthetic shapes (`ssl-run --method mae` with no data): the
    /// runner's shared sizing (`DemoSizing`: 32 px images, 3 epochs, kNN before/after) plus the values
    /// below; `demo.note` is said when the demo shows no kNN gain.
    static let demo = """
    demo:
      recipe: templates/recipes/mae-vit-cifar-small.yaml
      note: "MAE learns to reconstruct first (see the falling loss) and its features follow over several epochs (the CIFAR recipe gains about 6 points in 12 epochs)"
    """
}
