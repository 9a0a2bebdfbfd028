import PretextCore
import PretextNN

extension MethodBuilder {
    /// The momentum (EMA) targets of a momentum method (MoCo, BYOL, DINO), one per (online, target)
    /// pair, all following one schedule: the group `method.momentum_schedule`, by default `cosine-to-end`
    /// from `method.momentum` on the first step to exactly 1 on the last (Lightly's cosine schedule) when
    /// `method.momentum_cosine`, else `constant` at `method.momentum`. `momentum` and `cosine` are the
    /// method's defaults for those two keys. The targets must already hold their initial weights
    /// (`EMA.copy`, or their own initialisation).
    public func momentumTargets(_ pairs: [(online: Module, target: Module)], momentum: Float, cosine: Bool) throws -> [MomentumTarget] {
        let m = try config.float("momentum", momentum, "EMA momentum of the momentum network (the momentum_schedule's start)")
        guard (0...1).contains(m) else {
            throw ConfigError.invalidValue(path: "method.momentum", detail: "is \(m); it must be in [0, 1] (e.g. 0.99)")
        }
        let useCosine = try config.bool("momentum_cosine", cosine, "default momentum_schedule: cosine-to-end (raise the momentum to 1 over training, per step: BYOL, DINO), else constant")
        let schedule = try self.schedule("momentum_schedule", default: useCosine ? "cosine-to-end" : "constant",
                                         seeds: ["start": .float(m), "end": .float(1), "value": .float(m), "peak": .float(m), "final": .float(1)])
        return pairs.map { MomentumTarget(online: $0.online, target: $0.target, schedule: schedule) }
    }
}
