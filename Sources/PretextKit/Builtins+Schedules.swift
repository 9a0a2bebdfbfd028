import PretextCore

extension Builtins {
    /// The registered schedules. For the learning rate their values multiply `optimizer.lr` (so `peak`,
    /// `value` and `end` default to 1); for the other scheduled hyper-parameters (`*_schedule` groups:
    /// weight decay, EMA momentum, DINO's teacher temperature) they are the values themselves, and the
    /// group seeds their options from the keys around it (`Registry.makeSchedule(group:…)`).
    static func registerSchedules(_ r: Registry) throws {
        try r.registerSchedule("cosine", summary: "linear warm-up then cosine annealing from peak to final, per step (SimCLR, MoCo v2, DINO lr and weight decay)") { c, ctx in
            WarmupCosineSchedule(warmupSteps: try warmupSteps(c, ctx),
                                 warmupStart: try c.float("warmup_start", 0, "warm-up starts at this fraction of the base value"),
                                 peak: try c.float("peak", 1, "value after the warm-up (learning rate: 1 = optimizer.lr)"),
                                 finalValue: try c.float("final", 0, "value at the end (learning rate: a fraction of optimizer.lr)"))
        }
        try r.registerSchedule("constant", summary: "a constant value (optionally after warm-up)") { c, ctx in
            ConstantSchedule(level: try c.float("value", 1, "the value (learning rate: 1 = optimizer.lr)"),
                             warmupSteps: try warmupSteps(c, ctx))
        }
        try r.registerSchedule("step", summary: "multiply by gamma at milestones (fractions of training)") { c, _ in
            StepDecaySchedule(milestones: try c.doubles("milestones", [0.6, 0.8], "fractions of training (≤ 1) or step numbers"),
                              gamma: try c.float("gamma", 0.1, "factor at each milestone"))
        }
        try r.registerSchedule("plateau", summary: "ReduceLROnPlateau on a monitored metric (schedule.monitor: loss or knn_top1)") { c, _ in
            PlateauSchedule(factor: try c.float("factor", 0.1, "multiplier when the metric stalls"),
                            patience: try c.int("patience", 10, "epochs without improvement before reducing"),
                            threshold: try c.double("threshold", 1e-4, "relative improvement that counts"),
                            minScale: try c.float("min_scale", 0, "never below this fraction of the base rate"),
                            mode: try c.string("mode", "min", "min for losses, max for accuracies", choices: ["min", "max"]))
        }
        try registerValueSchedules(r)
    }

    /// `warmup_epochs` (a fraction is fine) in optimizer steps. Not a number, negative, or more epochs than
    /// a run can have (`train.epochs` ≤ 1,000,000) is an error naming the key (`1e300` or `nan` used to
    /// trap converting to Int).
    static func warmupSteps(_ c: ConfigSection, _ ctx: BuildContext) throws -> Int {
        let warm = try c.double("warmup_epochs", 0, "epochs of linear warm-up")
        guard warm.isFinite, warm >= 0, warm <= 1_000_000 else {
            throw ConfigError.invalidValue(path: c.path.isEmpty ? "warmup_epochs" : c.path + ".warmup_epochs",
                                           detail: "is \(warm); it must be a number of epochs between 0 and 1000000")
        }
        return Int(warm * Double(ctx.stepsPerEpoch))
    }

    /// Schedules written for absolute hyper-parameters (they work as learning-rate multipliers too).
    static func registerValueSchedules(_ r: Registry) throws {
        try r.registerSchedule("cosine-to-end", summary: "cosine from start on the first step to exactly end on the last (Lightly cosine_schedule: BYOL/DINO EMA momentum)") { c, _ in
            CosineMomentumSchedule(start: try c.float("start", 1, "value on the first step"),
                                   end: try c.float("end", 0, "value on the last step"), cosine: true)
        }
        // `epochs`, not `warmup_epochs`: a group seeds it, and cosine/constant read warmup_epochs as a warm-up from 0.
        try r.registerSchedule("linear-warmup", summary: "per epoch torch.linspace(start, end, epochs)[epoch], then end (DINO teacher temperature)") { c, ctx in
            LinearWarmupSchedule(start: try c.float("start", 0, "value in epoch 0"),
                                 end: try c.float("end", 1, "value from the last warm-up epoch on"),
                                 warmupEpochs: try c.int("epochs", 0, "epochs of the linear ramp from start to end (whole epochs)", range: 0...1_000_000),
                                 stepsPerEpoch: ctx.stepsPerEpoch)
        }
    }
}
