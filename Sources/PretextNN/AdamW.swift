import Foundation
import PretextTensor

/// Adam with decoupled weight decay (Loshchilov & Hutter 2019, arXiv:1711.05101) as
/// `torch.optim.AdamW`: p ← p·(1 − lr·wd); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
/// p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε), with t counted per parameter (a parameter that
/// had no gradient on a step is not advanced). Defaults as torch: betas (0.9, 0.999), eps 1e-8,
/// weight decay 0.01 (DINO uses 0.04 → 0.4 by schedule, MAE 0.05 with betas (0.9, 0.95)).
/// State slots per parameter: `<key>.exp_avg`, `<key>.exp_avg_sq`, `<key>.step` (a scalar).
/// The betas are doubles, as in PyTorch, because 1 − β₂ computed from a float32 β₂ = 0.999 is off by
/// 1.3e-5 relative, which shows in the second moment.
public final class AdamW: Optimizer {
    public private(set) var groups: [ParameterGroup]
    public var weightDecay: Float
    public let beta1: Double
    public let beta2: Double
    public let eps: Float
    public private(set) var stepCount = 0
    private var slots = OptimizerState()

    public init(groups: [ParameterGroup], beta1: Double = 0.9, beta2: Double = 0.999, eps: Float = 1e-8,
                weightDecay: Float = 0.01) throws {
        guard (0..<1).contains(beta1), (0..<1).contains(beta2), eps >= 0, weightDecay >= 0 else {
            throw OptimizerError.invalidSetting(optimizer: "adamw", detail: "betas must be in [0, 1) (got \(beta1), \(beta2)), eps and weight decay non-negative")
        }
        self.groups = groups
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
    }

    public func step(learningRate: Float) throws {
        for group in groups {
            let lr = learningRate * group.learningRateScale
            let wd = group.weightDecay ?? weightDecay
            for (key, p) in group.parameters where p.requiresGrad {
                guard let g = p.grad else { continue }
                let (m, _) = slots.slot(key, "exp_avg", like: p)
                let (v, _) = slots.slot(key, "exp_avg_sq", like: p)
                let stepKey = key + ".step"
                let t = (slots.slots[stepKey]?.item ?? 0) + 1
                slots.slots[stepKey] = Tensor(scalar: t)
                let bc1 = 1 - Foundation.pow(beta1, Double(t))
                let bc2 = 1 - Foundation.pow(beta2, Double(t))
                let stepSize = Float(Double(lr) / bc1)
                let bc2Sqrt = Float(bc2.squareRoot())
                let decay = Float(1 - Double(lr) * Double(wd))
                let b2 = Float(beta2), oneMinusB1 = Float(1 - beta1), oneMinusB2 = Float(1 - beta2), e = eps
                let pp = p.storage.pointer, gp = g.storage.pointer, mp = m.storage.pointer, vp = v.storage.pointer
                // The same lane-wise arithmetic 8 at a time (the four buffers may alias as far as the
                // compiler knows, so it would not vectorise the scalar loop), split across threads.
                Parallel.forRanges(p.count, costPerItem: 8) { r in
                    var i = r.lowerBound
                    while i &+ 8 <= r.upperBound {
                        let gi = UnsafeRawPointer(gp + i).loadUnaligned(as: SIMD8<Float>.self)
                        var pi = UnsafeRawPointer(pp + i).loadUnaligned(as: SIMD8<Float>.self) * decay
                        var mi = UnsafeRawPointer(mp + i).loadUnaligned(as: SIMD8<Float>.self)
                        var vi = UnsafeRawPointer(vp + i).loadUnaligned(as: SIMD8<Float>.self)
                        mi += oneMinusB1 * (gi - mi)
                        vi = b2 * vi + oneMinusB2 * (gi * gi)
                        pi -= stepSize * (mi / (vi.squareRoot() / bc2Sqrt + e))
                        UnsafeMutableRawPointer(pp + i).storeBytes(of: pi, as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(mp + i).storeBytes(of: mi, as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(vp + i).storeBytes(of: vi, as: SIMD8<Float>.self)
                        i &+= 8
                    }
                    while i < r.upperBound {
                        let gi = gp[i]
                        pp[i] *= decay
                        mp[i] += oneMinusB1 * (gi - mp[i])           // torch: exp_avg.lerp_(grad, 1 − β₁)
                        vp[i] = b2 * vp[i] + oneMinusB2 * (gi * gi)
                        let denom = vp[i].squareRoot() / bc2Sqrt + e
                        pp[i] -= stepSize * (mp[i] / denom)
                        i &+= 1
                    }
                }
            }
        }
        stepCount += 1
    }

    public func state() -> [String: Tensor] { slots.export(stepCount: stepCount) }

    public func loadState(_ state: [String: Tensor]) throws {
        stepCount = try slots.load(state, groups: groups, slotNames: ["exp_avg", "exp_avg_sq", "step"], optimizer: "adamw")
    }
}
