import PretextSDK

extension MoCoV3 {
    /// The two-minute demo on the built-in synthetic shapes (`ssl-run --method mocov3` with no data): the
    /// runner's shared sizing (`DemoSizing`: 32 px images, 3 epochs, kNN before/after) plus the values
    /// below; `demo.note` is said when the demo shows no kNN gain.
    static let demo = """
    demo:
      recipe: templates/recipes/mocov3-vit-cifar-small.yaml
      note: "MoCo v3 trains ViTs slowly at first: the paper runs 300 epochs with 40 of warm-up, and this budget is 3 epochs"
    """
}
