import PretextSDK

extension NNCLR {
    /// The two-minute demo on the built-in synthetic shapes (`ssl-run --method nnclr` with no data): the
    /// runner's shared sizing (`DemoSizing`) with narrower heads and a support set the demo's 768
    /// images can fill; `demo.note` is said when the demo shows no kNN gain.
    static let demo = """
    method:
      support_set_size: 512
      projection:
        hidden_dim: 512
        output_dim: 128
      prediction:
        hidden_dim: 512
        output_dim: 128
    demo:
      recipe: templates/recipes/nnclr-cifar-small.yaml
      note: "NNCLR's neighbours are random until the support set holds trained projections; kNN moves only after hundreds of steps"
    """
}
