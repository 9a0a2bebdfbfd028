import PretextSDK

extension IBOT {
    /// The two-minute demo on the built-in synthetic shapes (`ssl-run --method ibot` with no data): the
    /// runner's shared sizing (`DemoSizing`: 32 px images, 3 epochs, kNN before/after) plus the values
    /// below; `demo.note` is said when the demo shows no kNN gain.
    static let demo = """
    data:
      synthetic_count: 512        # 4 crops per image through the student, 2 through the teacher
    views:
      global_crop_size: 32        # the demo's image size (the paper: 224)
      local_crop_size: 16         # (the paper: 96)
      local_views: 2              # (the paper: 10)
    demo:
      recipe: templates/recipes/ibot-vit-cifar-small.yaml
      note: "iBOT, like DINO, needs many epochs on a ViT before its features improve: this budget is 3"
    """
}
