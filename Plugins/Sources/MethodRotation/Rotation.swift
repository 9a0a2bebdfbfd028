import PretextSDK

/// Rotation prediction, RotNet (Gidaris, Singh, Komodakis 2018, "Unsupervised Representation Learning by
/// Predicting Image Rotations", arXiv:1803.07728).
///
/// Each image is rotated by 0°, 90°, 180° and 270°; all 4B views go through the backbone in one pass
/// (batch-norm over all of them) and a linear head predicts the rotation (cross-entropy, chance log 4 =
/// 1.386). Rotation accuracy is logged as `rotation_accuracy`. Defaults (the shared fidelity recipe):
/// random resized crop scale (0.2, 1), horizontal flip, ImageNet normalisation; SGD, cosine schedule.
public final class Rotation: Method {
    public let backbone: any Backbone
    let classifier: any Head
    let loss: any Loss
    public let views: any Transform
    public var modules: [String: Module] { ["backbone": backbone, "classifier": classifier] }

    public init(_ b: MethodBuilder) throws {
        backbone = try b.makeBackbone()
        let section = b.config.section("classifier")
        section.accept("output_dim")
        classifier = try b.registry.makeHead("linear", ConfigSection(path: section.path, values: ["output_dim": .int(4)]),
                                             inputDim: backbone.featureDim, b.context)
        loss = try b.makeLoss("cross-entropy")
        views = try b.makeViews("rotation")
    }

    public func step(_ batch: Batch, _ context: StepContext) throws -> StepOutput {
        let x = try Tensor.cat(batch.views, axis: 0)
        let n = batch.views[0].shape[0]
        let labels = (0..<batch.views.count).flatMap { k in [Int](repeating: batch.viewLabels.isEmpty ? k : batch.viewLabels[k][0], count: n) }
        let logits = try classifier(backbone(x))
        let l = try loss([logits, Tensor(labels.map(Float.init))])
        return StepOutput(loss: l, metrics: ["rotation_accuracy": try Accuracy.top1(logits: logits, labels: labels)])
    }

    public static let defaults = """
    method:
      label_smoothing: 0          # cross-entropy label smoothing
    optimizer:
      name: sgd
      lr: 0.06
      momentum: 0.9
      weight_decay: 0.0005
    schedule:
      name: cosine
    views:
      preset: rotation
      min_scale: 0.2              # RandomResizedCrop scale (0.2, 1)
    """
}
