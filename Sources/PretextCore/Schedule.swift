import PretextTensor

/// A hyper-parameter as a plain function of the training step: the learning rate (as a multiplier of
/// `optimizer.lr`), the weight decay, a momentum encoder's momentum. `observe` lets metric-driven
/// schedules (reduce-on-plateau) react once per epoch; `state` is what such a schedule must carry
/// across a resume (empty for pure functions of the step) and is saved in every checkpoint.
public protocol Schedule: AnyObject {
    func value(at step: Int, of total: Int) -> Float
    func observe(metric: Double, at step: Int)
    /// State that is not a function of the step, saved in checkpoints (empty for most schedules).
    var state: [Double] { get }
    /// Restores `state`; throws when the values cannot come from this schedule (a damaged checkpoint).
    func loadState(_ state: [Double]) throws
}

extension Schedule {
    public func observe(metric: Double, at step: Int) {}
    public var state: [Double] { [] }
    public func loadState(_ state: [Double]) throws {}
}
