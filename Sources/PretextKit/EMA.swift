import PretextNN
import PretextTensor

/// Exponential moving average of weights, for momentum encoders and teachers (MoCo, BYOL, DINO):
/// target ← m·target + (1 − m)·online for every parameter (Lightly's `update_momentum`; buffers such as
/// batch-norm statistics are left to the target's own forward passes, as in Lightly).
public enum EMA {
    public static func update(target: Module, online: Module, momentum m: Float) throws {
        let t = target.namedParameters(), o = online.namedParameters()
        guard t.count == o.count else {
            throw TensorError.invalidArgument(op: "ema", detail: "target has \(t.count) parameters, online \(o.count): they must be the same architecture")
        }
        for ((tk, tt), (_, ot)) in zip(t, o) {
            guard tt.count == ot.count else {
                throw TensorError.invalidArgument(op: "ema", detail: "parameter \(tk) differs in shape between target \(tt.shape) and online \(ot.shape)")
            }
            let dst = tt.storage.pointer, src = ot.storage.pointer
            let a = m, b = 1 - m
            for i in 0..<tt.count { dst[i] = a * dst[i] + b * src[i] }
        }
    }

    /// Makes `target` an exact copy of `online` (parameters and buffers) and freezes it.
    public static func copy(into target: Module, from online: Module) throws {
        var state: [String: Tensor] = [:]
        for (k, t) in online.stateDict() { state[k] = t }
        try target.loadStateDict(state, strict: true, source: "online network")
        target.freeze()
    }
}
