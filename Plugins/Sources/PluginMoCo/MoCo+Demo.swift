import PretextSDK

extension MoCo {
    /// The two-minute demo on the built-in synthetic shapes (`ssl-run --method moco` with no data): the
    /// runner's shared sizing (`DemoSizing`: 32 px images, 3 epochs, kNN before/after) plus the values
    /// below; `demo.note` is said when the demo shows no kNN gain.
    static let demo = """
    demo:
      recipe: templates/recipes/moco-cifar-small.yaml
      note: "MoCo's queue of negatives fills over the first epochs and kNN moves only after that (the CIFAR recipe gains about 11 points in 12 epochs)"
    """
}
