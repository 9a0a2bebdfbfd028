import PretextSDK

extension DCL {
    /// The two-minute demo on the built-in synthetic shapes (`ssl-run --method dcl` / `dclw` with no data):
    /// the runner's shared sizing (`DemoSizing`) and SimCLR's architecture; `demo.note` is said when the
    /// demo shows no kNN gain.
    static let demo = """
    demo:
      recipe: templates/recipes/dcl-cifar-small.yaml
      note: "DCL, like SimCLR, needs hundreds of steps before kNN moves (the CIFAR recipe trains 12 epochs of 5,000 images)"
    """
}
