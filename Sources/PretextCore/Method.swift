import PretextTensor
import PretextNN
import PretextData

/// A self-supervised pretraining method (SimCLR, MoCo, DINO, …), built by a plugin from the registry.
///
/// A method owns its networks and says how one image becomes views (`views`) and how a batch of views
/// becomes a loss (`step`). Shared work — the optimizer, schedules, EMA updates of `momentumTargets`,
/// checkpoints, evaluation, logging — lives in the runner, not here. Per optimizer step the runner
/// calls, in this order (see `TrainingLoop`): the EMA update of `momentumTargets` → `step` → backward →
/// the optimizer update → `afterStep`.
public protocol Method: AnyObject {
    /// Networks to train and checkpoint, by name (the name prefixes their keys in checkpoints).
    var modules: [String: Module] { get }
    /// The network whose features are evaluated (kNN, linear probe) and exported.
    var backbone: any Backbone { get }
    /// How one image becomes the views this method needs.
    var views: any Transform { get }
    /// EMA copies the runner updates at the start of each optimizer step, before `step` (empty for most methods).
    var momentumTargets: [MomentumTarget] { get }
    /// Forward pass and loss for one batch.
    func step(_ batch: Batch, _ context: StepContext) throws -> StepOutput
    /// After the optimizer update: queues, centres, anything that is not a gradient update (losses only
    /// read such state, so a loss evaluated twice gives the same value).
    func afterStep(_ context: StepContext) throws
    /// State that is neither a parameter nor a buffer (a MoCo queue, a jigsaw permutation set).
    func extraState() -> [String: Tensor]
    func loadExtraState(_ state: [String: Tensor]) throws
}

extension Method {
    public var momentumTargets: [MomentumTarget] { [] }
    public func afterStep(_ context: StepContext) throws {}
    public func extraState() -> [String: Tensor] { [:] }
    public func loadExtraState(_ state: [String: Tensor]) throws {}
}
