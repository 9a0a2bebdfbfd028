import PretextTensor

/// Per-parameter slots (moments, step counts) keyed "<parameter key>.<slot>", shared by the
/// optimizers for checkpoint export/import.
struct OptimizerState {
    var slots: [String: Tensor] = [:]

    /// The slot for a parameter, created zero-filled (or by `make`) on first use.
    mutating func slot(_ key: String, _ name: String, like p: Tensor) -> (Tensor, isNew: Bool) {
        let k = key + "." + name
        if let t = slots[k] { return (t, false) }
        let t = Tensor.zeros(p.shape)
        slots[k] = t
        return (t, true)
    }

    func export(stepCount: Int) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (k, t) in slots { out[k] = t.copy() }
        out["step"] = Tensor(scalar: Float(stepCount))
        return out
    }

    /// Replaces the slots with `state`, checking each against the parameter it belongs to.
    mutating func load(_ state: [String: Tensor], groups: [ParameterGroup], slotNames: [String],
                       optimizer: String) throws -> Int {
        var shapes: [String: [Int]] = [:]
        for g in groups { for (k, t) in g.parameters { shapes[k] = t.shape } }
        var new: [String: Tensor] = [:]
        var steps = 0
        for (k, t) in state {
            if k == "step" {
                // A count of updates: a whole number, not negative, below 2^40 (a damaged file otherwise traps in Int()).
                let v = t.count == 1 ? t.item : .nan
                guard v.isFinite, v >= 0, v < 1_099_511_627_776, v == v.rounded() else {
                    throw OptimizerError.stateMismatch(optimizer: optimizer, key: k, detail: "the step count \(v) is not a number of updates: the checkpoint is damaged")
                }
                steps = Int(v)
                continue
            }
            guard let dot = k.lastIndex(of: "."), slotNames.contains(String(k[k.index(after: dot)...])) else {
                throw OptimizerError.stateMismatch(optimizer: optimizer, key: k, detail: "not a slot of this optimizer (\(slotNames.joined(separator: ", ")))")
            }
            let param = String(k[..<dot])
            guard let shape = shapes[param] else {
                throw OptimizerError.stateMismatch(optimizer: optimizer, key: k, detail: "no parameter '\(param)' in the optimizer's groups")
            }
            let isScalarSlot = k.hasSuffix(".step")
            if isScalarSlot {
                // A parameter's count of updates (AdamW's bias correction reads it as one number).
                let v = t.count == 1 ? t.item : .nan
                guard v.isFinite, v >= 0, v == v.rounded() else {
                    let what = t.count == 1 ? "\(v)" : "has shape \(t.shape), not one number, and"
                    throw OptimizerError.stateMismatch(optimizer: optimizer, key: k, detail: "the step count \(what) is not a number of updates: the checkpoint is damaged")
                }
            } else {
                guard t.shape == shape else {
                    throw OptimizerError.stateMismatch(optimizer: optimizer, key: k, detail: "shape \(t.shape), parameter has \(shape)")
                }
            }
            guard t.scalars.allSatisfy({ $0.isFinite }) else {
                throw OptimizerError.stateMismatch(optimizer: optimizer, key: k, detail: "holds NaN or infinite values: the checkpoint is damaged (resume from an earlier one)")
            }
            new[k] = t.copy()
        }
        slots = new
        return steps
    }
}
