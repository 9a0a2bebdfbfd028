import PretextSDK

extension SwAV {
    /// The two-minute demo on the built-in synthetic shapes (`ssl-run --method swav` with no data): the
    /// runner's shared sizing (`DemoSizing`) with crops at the demo's 32 px, narrower heads, fewer
    /// prototypes and a small queue from the second epoch on; `demo.note` is said when the demo shows no
    /// kNN gain.
    static let demo = """
    method:
      queue_size: 256
      start_queue_at_epoch: 0
      projection:
        hidden_dim: 512
        output_dim: 128
      prototypes:
        n_prototypes: 128
    views:
      global_crop_size: 32        # the demo's image size (Lightly: 224)
      local_crop_size: 16         # (Lightly: 96)
      local_views: 2              # (Lightly: 6)
    demo:
      recipe: templates/recipes/swav-cifar-small.yaml
      note: "SwaV's prototypes are fixed in the first epoch and its codes need many steps to separate the images; kNN moves slowly"
    """
}
