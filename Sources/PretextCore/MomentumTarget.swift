import PretextTensor
import PretextNN

/// A momentum (EMA) copy that the runner updates after each optimizer step:
/// target ← m·target + (1 − m)·online for every parameter, with m going from `start` to `end`
/// along a cosine over training when `cosine` is set (BYOL/DINO), constant `start` otherwise (MoCo).
public struct MomentumTarget {
    public let online: Module
    public let target: Module
    public let start: Float
    public let end: Float
    public let cosine: Bool

    public init(online: Module, target: Module, start: Float, end: Float = 1, cosine: Bool = false) {
        self.online = online
        self.target = target
        self.start = start
        self.end = end
        self.cosine = cosine
    }

    /// Momentum at training progress `p` ∈ [0, 1].
    public func momentum(progress p: Double) -> Float {
        guard cosine else { return start }
        return end - (end - start) * Float((1 + cos(Double.pi * p)) / 2)
    }
}

import Foundation
