import PretextSDK

extension BYOL {
    /// The two-minute demo on the built-in synthetic shapes (`ssl-run --method byol` with no data): the
    /// runner's shared sizing (`DemoSizing`: 32 px images, 3 epochs, kNN before/after) plus the values
    /// below; `demo.note` is said when the demo shows no kNN gain.
    static let demo = """
    demo:
      recipe: templates/recipes/byol-cifar-small.yaml
      note: "BYOL learns slowly at first (the CIFAR recipe gains about 3 points in 12 epochs, 9 in 50)"
    """
}
