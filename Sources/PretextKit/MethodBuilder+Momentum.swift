import PretextCore
import PretextNN

extension MethodBuilder {
    /// The momentum (EMA) targets of a momentum method (MoCo, BYOL, DINO), one per (online, target)
    /// pair, from the method section's `momentum` (m on the first step, in [0, 1]) and
    /// `momentum_cosine` (raise m to exactly 1 on the last step along Lightly's cosine schedule). The
    /// targets must already hold their initial weights (`EMA.copy`, or their own initialisation).
    public func momentumTargets(_ pairs: [(online: Module, target: Module)], momentum: Float, cosine: Bool) throws -> [MomentumTarget] {
        let m = try config.float("momentum", momentum, "EMA momentum of the momentum network (on the first step when momentum_cosine)")
        guard (0...1).contains(m) else {
            throw ConfigError.invalidValue(path: "method.momentum", detail: "is \(m); it must be in [0, 1] (e.g. 0.99)")
        }
        let useCosine = try config.bool("momentum_cosine", cosine, "raise the momentum to 1 along a cosine over training, per step (BYOL, DINO)")
        return pairs.map { MomentumTarget(online: $0.online, target: $0.target, start: m, end: 1, cosine: useCosine) }
    }
}
