import PretextSDK

extension VICReg {
    /// The two-minute demo on the built-in synthetic shapes (`ssl-run --method vicreg` with no data): the
    /// runner's shared sizing (`DemoSizing`) with a narrower projector (the 8192-wide one would dominate
    /// a 32 px step); `demo.note` is said when the demo shows no kNN gain.
    static let demo = """
    method:
      projection:
        hidden_dim: 2048
        output_dim: 2048
    optimizer:
      lr: 0.05                    # 0.2 x 64/256 for the demo's batch of 64
    schedule:
      warmup_epochs: 0
    demo:
      recipe: templates/recipes/vicreg-cifar-small.yaml
      note: "VICReg needs more steps than the demo gives it before kNN moves; its loss falls first"
    """
}
