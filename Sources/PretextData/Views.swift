/// What a `Transform` makes of one image: the view tensors (each `[C, H, W]`) and optional per-view
/// labels (a rotation index per view, or one jigsaw permutation index; empty when the method has none).
///
/// The loader stacks view `v` of every sample into `Batch.views[v]` (`[B, C, H, W]`) and label `l` of
/// every sample into `Batch.viewLabels[l]`, so every sample of a batch must give the same number of
/// views with the same shapes, and the same number of labels.
public struct Views {
    public var tensors: [Tensor]
    public var labels: [Int]

    public init(tensors: [Tensor], labels: [Int] = []) {
        self.tensors = tensors
        self.labels = labels
    }
}
