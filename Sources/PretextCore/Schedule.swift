import PretextTensor
/// A value as a plain function of the training step (learning rate, momentum, temperature, weight
/// decay). `observe` lets metric-driven schedules (reduce-on-plateau) react; others ignore it.
public protocol Schedule: AnyObject {
    func value(at step: Int, of total: Int) -> Float
    func observe(metric: Double, at step: Int)
}

extension Schedule {
    public func observe(metric: Double, at step: Int) {}
}
