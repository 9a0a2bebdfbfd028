import PretextTensor

/// Stochastic gradient descent with momentum as `torch.optim.SGD`: d = g + wd·p; with momentum μ the
/// buffer is b = d on the first step and b = μ·b + (1 − dampening)·d after; the update is d + μ·b
/// (Nesterov) or b; p ← p − lr·update. Defaults: momentum 0.9, dampening 0, no Nesterov, weight decay
/// 5e-4 (the shared ResNet recipe; torch's own default is 0 — pass it explicitly). Groups scale the
/// learning rate (`learningRateScale`) and may override the weight decay.
/// State slot per parameter: `<key>.momentum_buffer`.
public final class SGD: Optimizer {
    public private(set) var groups: [ParameterGroup]
    public var weightDecay: Float
    public let momentum: Float
    public let dampening: Float
    public let nesterov: Bool
    /// Optimizer steps taken (saved in `state()` as "step").
    public private(set) var stepCount = 0
    private var slots = OptimizerState()

    public init(groups: [ParameterGroup], momentum: Float = 0.9, dampening: Float = 0, nesterov: Bool = false,
                weightDecay: Float = 5e-4) throws {
        guard momentum >= 0, weightDecay >= 0 else {
            throw OptimizerError.invalidSetting(optimizer: "sgd", detail: "momentum (\(momentum)) and weight decay (\(weightDecay)) must be non-negative")
        }
        guard !nesterov || (momentum > 0 && dampening == 0) else {
            throw OptimizerError.invalidSetting(optimizer: "sgd", detail: "Nesterov momentum needs momentum > 0 and dampening 0")
        }
        self.groups = groups
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    public func step(learningRate: Float) throws {
        for group in groups {
            let lr = learningRate * group.learningRateScale
            let wd = group.weightDecay ?? weightDecay
            for (key, p) in group.parameters where p.requiresGrad {
                guard let g = p.grad else { continue }
                let n = p.count
                let pp = p.storage.pointer, gp = g.storage.pointer
                if momentum == 0 {
                    for i in 0..<n { pp[i] -= lr * (gp[i] + wd * pp[i]) }
                    continue
                }
                let (buf, isNew) = slots.slot(key, "momentum_buffer", like: p)
                let bp = buf.storage.pointer
                let mu = momentum, keep = 1 - dampening
                for i in 0..<n {
                    let d = gp[i] + wd * pp[i]
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
        stepCount = try slots.load(state, groups: groups, slotNames: ["momentum_buffer"], optimizer: "sgd")
    }
}
