import PretextSDK

extension SimCLR {
    /// The two-minute demo on the built-in synthetic shapes (`ssl-run --method simclr` with no data): the
    /// runner's shared sizing (`DemoSizing`: 32 px images, 3 epochs, kNN before/after) plus the values
    /// below; `demo.note` is said when the demo shows no kNN gain.
    static let demo = """
    demo:
      recipe: templates/recipes/simclr-cifar-small.yaml
      note: "SimCLR's contrastive loss takes hundreds of steps to move kNN (the CIFAR recipe gains about 11 points in 12 epochs of 5,000 images)"
    """
}
