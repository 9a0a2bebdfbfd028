import PretextTensor
import PretextCore

/// Multiplies by `gamma` at each milestone (given as fractions of training or absolute steps).
public final class StepDecaySchedule: Schedule {
    public let milestones: [Double]
    public let gamma: Float

    /// `milestones` ≤ 1 are fractions of the total steps, larger values are step numbers.
    public init(milestones: [Double], gamma: Float) {
        self.milestones = milestones
        self.gamma = gamma
    }

    public func value(at step: Int, of total: Int) -> Float {
        var v: Float = 1
        for m in milestones {
            let at = m <= 1 ? Int(m * Double(total)) : Int(m)
            if step >= at { v *= gamma }
        }
        return v
    }
}
