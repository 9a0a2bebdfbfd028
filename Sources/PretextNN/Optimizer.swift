import PretextTensor

/// Updates parameters in place from their gradients: the one path by which weights change in training.
/// The learning rate comes from the caller each step (schedules are plain functions of the step).
public protocol Optimizer: AnyObject {
    var groups: [ParameterGroup] { get }
    /// Default weight decay (groups may override); settable for weight-decay schedules (DINO).
    var weightDecay: Float { get set }
    /// Applies one update with base learning rate `learningRate` (× each group's scale). Parameters
    /// without a gradient (or with requiresGrad off) are skipped.
    func step(learningRate: Float) throws
    /// Moments and step counts by "<parameter key>.<slot>", for checkpoints.
    func state() -> [String: Tensor]
    func loadState(_ state: [String: Tensor]) throws
}

extension Optimizer {
    /// Clears every parameter's gradient.
    public func zeroGrad() {
        for g in groups { for p in g.parameters { p.tensor.grad = nil } }
    }
}
