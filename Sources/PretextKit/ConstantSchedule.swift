import PretextTensor
import PretextCore

/// Always `level` (optionally after a linear warm-up).
public final class ConstantSchedule: Schedule {
    public let level: Float
    public let warmupSteps: Int

    public init(level: Float = 1, warmupSteps: Int = 0) {
        self.level = level
        self.warmupSteps = warmupSteps
    }

    public func value(at step: Int, of total: Int) -> Float {
        step < warmupSteps ? level * Float(step + 1) / Float(warmupSteps) : level
    }
}
