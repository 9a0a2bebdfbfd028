import PretextCore
import PretextKit
import PretextNN

/// The hyper-parameters the loop changes per optimizer step, each a `Schedule`: the learning rate
/// (`optimizer.lr` × the `schedule` group's member) and, when `optimizer.weight_decay_end` is set, the
/// weight decay (cosine from `optimizer.weight_decay` to it, per step, as DINO). Momentum targets carry
/// their own momentum schedule (`MomentumTarget.schedule`). Metric-driven schedules observe the
/// monitored metric once per epoch, and their state goes into checkpoints via `Schedule.state`.
public final class HyperParameterSchedules {
    public let baseLearningRate: Float
    public let learningRate: any Schedule
    /// Absolute weight decay per step (nil = constant `optimizer.weight_decay`).
    public let weightDecay: (any Schedule)?

    init(optimizer: any Optimizer, optimizerConfig opt: ConfigSection, scheduleConfig sched: ConfigSection,
         registry: Registry, context: BuildContext) throws {
        baseLearningRate = try opt.float("lr", 0.06, "base learning rate (scaled by the schedule)", greaterThan: 0)
        let start = optimizer.weightDecay
        if opt.has("weight_decay_end") {
            let end = try opt.float("weight_decay_end", start, "weight decay at the end: cosine from weight_decay, per step (DINO: 0.04 → 0.4)")
            weightDecay = WarmupCosineSchedule(peak: start, finalValue: end)
        } else {
            weightDecay = nil
        }
        let name = try sched.string("name", "cosine", "learning-rate schedule (ssl-run list schedule); switching it drops the previous one's options")
        learningRate = try registry.makeSchedule(name, sched, context)
    }

    /// The learning rate of optimizer step `step` of `total`.
    public func learningRate(at step: Int, of total: Int) -> Float {
        baseLearningRate * learningRate.value(at: step, of: total)
    }

    /// Sets the optimizer's scheduled values for step `step` of `total` (before its update).
    public func apply(to optimizer: any Optimizer, at step: Int, of total: Int) {
        if let weightDecay { optimizer.weightDecay = weightDecay.value(at: step, of: total) }
    }
}
