/// One batch from `DataLoader`: view `v` of every sample stacked into `views[v]` (`[B, C, H, W]`),
/// per-view labels (`viewLabels[l][b]` is label `l` of sample `b`, e.g. the rotation index of view `l`
/// or the jigsaw permutation index; empty when the transform gives none), the dataset labels (nil when
/// unlabelled) and the dataset indices of the samples.
public struct Batch {
    public var views: [Tensor]
    public var viewLabels: [[Int]]
    public var labels: [Int?]
    public var indices: [Int]

    public init(views: [Tensor], viewLabels: [[Int]] = [], labels: [Int?], indices: [Int]) {
        self.views = views
        self.viewLabels = viewLabels
        self.labels = labels
        self.indices = indices
    }

    /// Number of samples.
    public var count: Int { indices.count }
}
