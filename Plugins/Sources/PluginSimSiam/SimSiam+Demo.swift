import PretextSDK

extension SimSiam {
    /// The two-minute demo on the built-in synthetic shapes (`ssl-run --method simsiam` with no data): the
    /// runner's shared sizing (`DemoSizing`: 32 px images, 3 epochs, kNN before/after) plus the values
    /// below; `demo.note` is said when the demo shows no kNN gain.
    static let demo = """
    demo:
      recipe: templates/recipes/simsiam-cifar-small.yaml
      note: "SimSiam needs several epochs before its features separate the classes (the CIFAR recipe gains about 4 points in 12 epochs)"
    """
}
