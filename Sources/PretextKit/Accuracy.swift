import PretextTensor

/// Top-1 accuracy of logits [N, C] against labels: the metric pretext-task methods log
/// (`rotation_accuracy`, `jigsaw_accuracy`) so a person sees whether the task is being solved.
public enum Accuracy {
    public static func top1(logits: Tensor, labels: [Int]) throws -> Double {
        let predicted = try noGrad { try logits.argmax(axis: 1) }.scalars
        let correct = zip(predicted, labels).filter { Int($0) == $1 }.count
        return Double(correct) / Double(max(labels.count, 1))
    }
}
