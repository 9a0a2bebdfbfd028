import PretextTensor

/// LARS (You et al. 2017, arXiv:1708.03888) as Lightly's `lightly.utils.lars.LARS` (from PyTorch
/// Lightning Bolts), the SimCLR/BYOL large-batch optimizer: for an adapted parameter with ‖p‖ ≠ 0 and
/// ‖g‖ ≠ 0, d = (g + wd·p) · η·‖p‖ / (‖g‖ + wd·‖p‖ + ε) with trust coefficient η = 0.001, ε = 1e-8;
/// then SGD momentum exactly as `SGD` (buffer = d on the first step, Nesterov optional); p ← p − lr·d.
///
/// Exclusion (SimCLR's rule, as Lightly): a parameter is adapted only when its weight decay is non-zero
/// and its group is not `excludeFromAdaptation` (biases and norms: see
/// `ParameterGroup.decayAndNoDecay`). Lightly applies weight decay only inside the adaptation, so a
/// weight-decayed parameter whose norm or gradient is zero gets a plain gradient step. A group marked
/// `excludeFromAdaptation` but with non-zero weight decay (not possible in Lightly) gets plain
/// d = g + wd·p. Defaults as Lightly: momentum 0, dampening 0, weight decay 0.
/// State slot per parameter: `<key>.momentum_buffer`.
public final class LARS: Optimizer {
    public private(set) var groups: [ParameterGroup]
    public var weightDecay: Float
    public let momentum: Float
    public let dampening: Float
    public let nesterov: Bool
    public let trustCoefficient: Float
    public let eps: Float
    public private(set) var stepCount = 0
    private var slots = OptimizerState()

    public init(groups: [ParameterGroup], momentum: Float = 0, dampening: Float = 0, weightDecay: Float = 0,
                nesterov: Bool = false, trustCoefficient: Float = 0.001, eps: Float = 1e-8) throws {
        guard momentum >= 0, weightDecay >= 0 else {
            throw OptimizerError.invalidSetting(optimizer: "lars", detail: "momentum (\(momentum)) and weight decay (\(weightDecay)) must be non-negative")
        }
        guard !nesterov || (momentum > 0 && dampening == 0) else {
            throw OptimizerError.invalidSetting(optimizer: "lars", detail: "Nesterov momentum needs momentum > 0 and dampening 0")
        }
        self.groups = groups
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        self.trustCoefficient = trustCoefficient
        self.eps = eps
    }

    private static func norm(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
        var s: Double = 0
        for i in 0..<n { s += Double(p[i]) * Double(p[i]) }
        return Float(s.squareRoot())
    }

    public func step(learningRate: Float) throws {
        for group in groups {
            let lr = learningRate * group.learningRateScale
            let wd = group.weightDecay ?? weightDecay
            for (key, p) in group.parameters where p.requiresGrad {
                guard let g = p.grad else { continue }
                let n = p.count
                let pp = p.storage.pointer, gp = g.storage.pointer
                // d = scale · (g + decay · p)
                var scale: Float = 1, decay: Float = 0
                if wd != 0 {
                    if group.excludeFromAdaptation {
                        decay = wd
                    } else {
                        let pNorm = LARS.norm(pp, n), gNorm = LARS.norm(gp, n)
                        if pNorm != 0 && gNorm != 0 {
                            scale = trustCoefficient * pNorm / (gNorm + pNorm * wd + eps)
                            decay = wd
                        }
                    }
                }
                if momentum == 0 {
                    for i in 0..<n { pp[i] -= lr * ((gp[i] + decay * pp[i]) * scale) }
                    continue
                }
                let (buf, isNew) = slots.slot(key, "momentum_buffer", like: p)
                let bp = buf.storage.pointer
                let mu = momentum, keep = 1 - dampening
                for i in 0..<n {
                    let d = (gp[i] + decay * pp[i]) * scale
                    let b = isNew ? d : mu * bp[i] + keep * d
                    bp[i] = b
                    pp[i] -= lr * (nesterov ? d + mu * b : b)
                }
            }
        }
        stepCount += 1
    }

    public func state() -> [String: Tensor] { slots.export(stepCount: stepCount) }

    public func loadState(_ state: [String: Tensor]) throws {
        stepCount = try slots.load(state, groups: groups, slotNames: ["momentum_buffer"], optimizer: "lars")
    }
}
