/// Batch and layer normalisation as fused kernels with their own backward (`NormKernels`).
extension Tensor {
    /// Batch normalisation over [N, C] or [N, C, H, W] (statistics per channel C).
    ///
    /// Training: normalises with the batch's mean and biased variance and, when running statistics are
    /// given, updates them in place as PyTorch does (running = (1−momentum)·running + momentum·batch,
    /// with the unbiased batch variance). Evaluation: normalises with the running statistics.
    /// `syncGroup` (distributed training): the training statistics are those of every rank's batch
    /// together (`syncBatchNorm`).
    public func batchNorm(weight: Tensor?, bias: Tensor?, runningMean: Tensor?, runningVar: Tensor?,
                          training: Bool, momentum: Float = 0.1, eps: Float = 1e-5,
                          syncGroup: ProcessGroup? = nil) throws -> Tensor {
        guard rank == 2 || rank == 4 else {
            throw TensorError.invalidArgument(op: "batch_norm", detail: "input must be [N, C] or [N, C, H, W], got \(shape)")
        }
        let n = shape[0], c = shape[1], hw = rank == 4 ? shape[2] * shape[3] : 1
        for (name, t) in [("weight", weight), ("bias", bias), ("running_mean", runningMean), ("running_var", runningVar)] {
            if let t, t.shape != [c] {
                throw TensorError.shapeMismatch(op: "batch_norm", lhs: shape, rhs: t.shape, detail: "\(name) must be [\(c)]")
            }
        }
        if training, let group = syncGroup, group.isDistributed {
            return try syncBatchNorm(weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
                                     momentum: momentum, eps: eps, group: group)
        }
        let mean = Tensor(uninitialized: [c]), invStd = Tensor(uninitialized: [c])
        if training {
            guard n * hw > 1 else {
                throw TensorError.invalidArgument(op: "batch_norm", detail: "training needs more than one value per channel, got input \(shape) (use a batch size above 1)")
            }
            let variance = Tensor(uninitialized: [c])
            NormKernels.batchNormStatistics(n: n, c: c, hw: hw, input: storage.pointer, mean: mean.storage.pointer,
                                            variance: variance.storage.pointer)
            let count = Float(n * hw)
            for j in 0..<c {
                invStd.storage.pointer[j] = 1 / (variance.storage.pointer[j] + eps).squareRoot()
            }
            if let rm = runningMean, let rv = runningVar {
                for j in 0..<c {
                    rm.storage.pointer[j] = (1 - momentum) * rm.storage.pointer[j] + momentum * mean.storage.pointer[j]
                    rv.storage.pointer[j] = (1 - momentum) * rv.storage.pointer[j]
                        + momentum * variance.storage.pointer[j] * count / (count - 1)
                }
            }
        } else {
            guard let rm = runningMean, let rv = runningVar else {
                throw TensorError.invalidArgument(op: "batch_norm", detail: "evaluation mode needs running statistics")
            }
            for j in 0..<c {
                mean.storage.pointer[j] = rm.storage.pointer[j]
                invStd.storage.pointer[j] = 1 / (rv.storage.pointer[j] + eps).squareRoot()
            }
        }
        let out = Tensor(uninitialized: shape)
        NormKernels.batchNormApply(n: n, c: c, hw: hw, input: storage.pointer, mean: mean.storage.pointer,
                                   invStd: invStd.storage.pointer, weight: weight.map { UnsafePointer($0.storage.pointer) },
                                   bias: bias.map { UnsafePointer($0.storage.pointer) }, output: out.storage.pointer)
        var inputs = [self]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        return Tensor.record(out, "batch_norm", inputs) { g in
            let gx = self.requiresGrad ? Tensor(uninitialized: self.shape) : nil
            let gw = (weight?.requiresGrad ?? false) ? Tensor(uninitialized: [c]) : nil
            let gb = (bias?.requiresGrad ?? false) ? Tensor(uninitialized: [c]) : nil
            NormKernels.batchNormBackward(n: n, c: c, hw: hw, input: self.storage.pointer, gradOutput: g.storage.pointer,
                                          mean: mean.storage.pointer, invStd: invStd.storage.pointer,
                                          weight: weight.map { UnsafePointer($0.storage.pointer) },
                                          gradInput: gx?.storage.pointer, gradWeight: gw?.storage.pointer,
                                          gradBias: gb?.storage.pointer, training: training)
            var grads: [Tensor?] = [gx]
            if weight != nil { grads.append(gw) }
            if bias != nil { grads.append(gb) }
            return grads
        }
    }

    /// Layer normalisation over the last dimension (PyTorch's `F.layer_norm` with one normalised dim).
    public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
        guard let d = shape.last, d > 0 else {
            throw TensorError.invalidArgument(op: "layer_norm", detail: "input needs a last dimension, got \(shape)")
        }
        for (name, t) in [("weight", weight), ("bias", bias)] {
            if let t, t.shape != [d] {
                throw TensorError.shapeMismatch(op: "layer_norm", lhs: shape, rhs: t.shape, detail: "\(name) must be [\(d)]")
            }
        }
        let rows = count / d
        let out = Tensor(uninitialized: shape)
        let mean = Tensor(uninitialized: [rows]), invStd = Tensor(uninitialized: [rows])
        NormKernels.layerNormForward(rows: rows, dim: d, input: storage.pointer,
                                     weight: weight.map { UnsafePointer($0.storage.pointer) },
                                     bias: bias.map { UnsafePointer($0.storage.pointer) }, eps: eps,
                                     output: out.storage.pointer, mean: mean.storage.pointer, invStd: invStd.storage.pointer)
        var inputs = [self]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        return Tensor.record(out, "layer_norm", inputs) { g in
            let gx = self.requiresGrad ? Tensor(uninitialized: self.shape) : nil
            let gw = (weight?.requiresGrad ?? false) ? Tensor(uninitialized: [d]) : nil
            let gb = (bias?.requiresGrad ?? false) ? Tensor(uninitialized: [d]) : nil
            NormKernels.layerNormBackward(rows: rows, dim: d, input: self.storage.pointer, gradOutput: g.storage.pointer,
                                          mean: mean.storage.pointer, invStd: invStd.storage.pointer,
                                          weight: weight.map { UnsafePointer($0.storage.pointer) },
                                          gradInput: gx?.storage.pointer, gradWeight: gw?.storage.pointer,
                                          gradBias: gb?.storage.pointer)
            var grads: [Tensor?] = [gx]
            if weight != nil { grads.append(gw) }
            if bias != nil { grads.append(gb) }
            return grads
        }
    }
}
