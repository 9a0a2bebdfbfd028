import PretextSDK

extension Rotation {
    /// The two-minute demo on the built-in synthetic shapes (`ssl-run --method rotation` with no data): the
    /// runner's shared sizing (`DemoSizing`: 32 px images, 3 epochs, kNN before/after) plus the values
    /// below; `demo.note` is said when the demo shows no kNN gain.
    static let demo = """
    demo:
      recipe: templates/recipes/rotation-cifar-small.yaml
      note: "the synthetic shapes are drawn at random angles, so their rotation says little about them; on photos RotNet gains (the CIFAR recipe: about 9 points in 12 epochs)"
    """
}
