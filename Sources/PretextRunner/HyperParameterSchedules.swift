import PretextCore
import PretextKit
import PretextNN

/// The hyper-parameters the loop changes per optimizer step, each a `Schedule` chosen by name in its
/// own config group: the learning rate (`optimizer.lr` × the `schedule` group's member) and the weight
/// decay (`optimizer.weight_decay_schedule`: by default `cosine` from `optimizer.weight_decay` to
/// `optimizer.weight_decay_end` per step when the latter is set, as DINO, else `constant`). Momentum
/// targets and method-declared schedules (`MethodBuilder.schedule`) come with the method; every
/// schedule of the run is in `all`, so metric-driven ones observe the monitored metric once per epoch
/// and any state goes into checkpoints via `Schedule.state`.
public final class HyperParameterSchedules {
    public let baseLearningRate: Float
    public let learningRate: any Schedule
    /// Absolute weight decay per step.
    public let weightDecay: any Schedule
    /// Every schedule of the run by config path (`schedule`, `optimizer.weight_decay_schedule`, the method's).
    public let all: [(path: String, schedule: any Schedule)]

    init(optimizer: any Optimizer, optimizerConfig opt: ConfigSection, scheduleConfig sched: ConfigSection,
         methodSchedules: [(path: String, schedule: any Schedule)], registry: Registry, context: BuildContext) throws {
        baseLearningRate = try opt.float("lr", 0.06, "base learning rate (scaled by the schedule)", greaterThan: 0)
        let start = optimizer.weightDecay
        let scheduled = opt.has("weight_decay_end")
        // Read only when given (a default would say "scheduled" for every run): then cosine is the default shape.
        let end = scheduled ? try opt.float("weight_decay_end", start, "weight decay at the end: the weight_decay_schedule's final value (DINO: 0.04 → 0.4)") : start
        let group = opt.section("weight_decay_schedule")
        weightDecay = try registry.makeSchedule(group: group, default: scheduled ? "cosine" : "constant",
                                                seeds: ["value": .float(start), "peak": .float(start), "final": .float(end),
                                                        "start": .float(start), "end": .float(end)], context)
        let name = try sched.string("name", "cosine", "learning-rate schedule (ssl-run list schedule); switching it drops the previous one's options")
        learningRate = try registry.makeSchedule(name, sched, context)
        all = [(sched.path, learningRate), (group.path, weightDecay)] + methodSchedules
    }

    /// The learning rate of optimizer step `step` of `total`.
    public func learningRate(at step: Int, of total: Int) -> Float {
        baseLearningRate * learningRate.value(at: step, of: total)
    }

    /// Sets the optimizer's scheduled values for step `step` of `total` (before its update).
    public func apply(to optimizer: any Optimizer, at step: Int, of total: Int) {
        optimizer.weightDecay = weightDecay.value(at: step, of: total)
    }
}
