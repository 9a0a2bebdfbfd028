import PretextCore
import PretextTensor

/// Cross-entropy of logits [N, C] against integer labels (given as a float tensor [N]), with optional
/// label smoothing — RotNet's and jigsaw's objective, and the classifier loss of fine-tuning.
public final class CrossEntropyLoss: Loss {
    public let labelSmoothing: Float

    public init(labelSmoothing: Float = 0) { self.labelSmoothing = labelSmoothing }

    /// `inputs` = [logits, labels].
    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        guard inputs.count == 2 else {
            throw TensorError.invalidArgument(op: "cross-entropy loss", detail: "expects [logits, labels], got \(inputs.count) tensors")
        }
        return try inputs[0].crossEntropy(labels: inputs[1].scalars.map { Int($0) }, labelSmoothing: labelSmoothing)
    }
}
