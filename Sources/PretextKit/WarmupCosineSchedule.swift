import PretextTensor
import PretextCore
import Foundation

/// Linear warm-up from `warmupStart` to 1 over `warmupSteps`, then a half cosine from 1 down to
/// `finalValue` at the last step — the per-iteration schedule of Lightly's `CosineWarmupScheduler`
/// and of SimCLR/MoCo v2/DINO (warm-up 0 gives plain cosine annealing). Values are multipliers of a
/// base value (the learning rate) unless used as an absolute schedule (momentum, weight decay).
public final class WarmupCosineSchedule: Schedule {
    public let warmupSteps: Int
    public let warmupStart: Float
    public let peak: Float
    public let finalValue: Float

    public init(warmupSteps: Int = 0, warmupStart: Float = 0, peak: Float = 1, finalValue: Float = 0) {
        self.warmupSteps = warmupSteps
        self.warmupStart = warmupStart
        self.peak = peak
        self.finalValue = finalValue
    }

    public func value(at step: Int, of total: Int) -> Float {
        if step < warmupSteps {
            return warmupStart + (peak - warmupStart) * Float(step + 1) / Float(Swift.max(warmupSteps, 1))
        }
        let span = Swift.max(total - warmupSteps, 1)
        let p = Swift.min(Double(step - warmupSteps) / Double(span), 1)
        return finalValue + (peak - finalValue) * Float(0.5 * (1 + cos(Double.pi * p)))
    }
}
