import Foundation
import PretextTensor
import PretextNN

/// A momentum (EMA) copy the runner updates once per optimizer step, at its start, before the forward
/// pass (as Lightly's examples call `update_momentum` first thing in each training step; the first
/// update, on an exact copy, changes nothing but rounding, and each later one follows the previous
/// optimizer step): target ← m·target + (1 − m)·online for every parameter. The momentum m is a
/// `Schedule` of the step: by default a cosine from `start` on the first step to exactly `end` on the
/// last (`CosineMomentumSchedule`, Lightly's `cosine_schedule`) when `cosine` is set (BYOL/DINO),
/// constant `start` otherwise (MoCo).
public struct MomentumTarget {
    public let online: Module
    public let target: Module
    /// m as a function of (step, total steps).
    public let schedule: any Schedule

    public init(online: Module, target: Module, schedule: any Schedule) {
        self.online = online
        self.target = target
        self.schedule = schedule
    }

    public init(online: Module, target: Module, start: Float, end: Float = 1, cosine: Bool = false) {
        self.init(online: online, target: target, schedule: CosineMomentumSchedule(start: start, end: end, cosine: cosine))
    }

    /// Momentum for optimizer step `step` of `total`.
    public func momentum(at step: Int, of total: Int) -> Float { schedule.value(at: step, of: total) }

    /// Momentum at training progress `p` ∈ [0, 1] (0 = the first step, 1 = the last).
    public func momentum(progress p: Double) -> Float {
        schedule.value(at: Int((p * 1_000_000).rounded()), of: 1_000_001)
    }
}

/// The momentum schedule of BYOL and DINO as Lightly's `cosine_schedule(step, max_steps, start, end)`:
/// m = end − (end − start)·(1 + cos(π·step/(total − 1)))/2, so the first step uses `start` and the last
/// exactly `end` (1 for a frozen teacher at the end); constant `start` when `cosine` is off (MoCo).
public final class CosineMomentumSchedule: Schedule {
    public let start: Float, end: Float, cosine: Bool

    public init(start: Float, end: Float = 1, cosine: Bool = true) {
        self.start = start
        self.end = end
        self.cosine = cosine
    }

    public func value(at step: Int, of total: Int) -> Float {
        guard cosine else { return start }
        if total <= 1 || step >= total - 1 { return end }
        let p = Double(step) / Double(total - 1)
        return Float(Double(end) - (Double(end) - Double(start)) * (cos(Double.pi * p) + 1) / 2)
    }
}
