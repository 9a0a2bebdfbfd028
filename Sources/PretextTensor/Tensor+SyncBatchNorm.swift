/// Synchronised batch normalisation (PyTorch's `SyncBatchNorm`): in training, the statistics are those of
/// the batch of every rank together, so N ranks with B images each normalise exactly as one process with
/// N·B. Forward gathers each rank's count, mean and biased variance per channel and combines them with
/// the parallel-variance formula (no E[x²] − E[x]² cancellation); backward sums Σ dy and Σ dy·(x − mean)
/// over the ranks, because every input influences every rank's output through the shared statistics.
/// The parameter gradients stay local (the data-parallel gradient average adds them up).
extension Tensor {
    func syncBatchNorm(weight: Tensor?, bias: Tensor?, runningMean: Tensor?, runningVar: Tensor?,
                       momentum: Float, eps: Float, group: ProcessGroup) throws -> Tensor {
        let n = shape[0], c = shape[1], hw = rank == 4 ? shape[2] * shape[3] : 1
        let localMean = Tensor(uninitialized: [c]), localVar = Tensor(uninitialized: [c])
        if n * hw > 0 {
            NormKernels.batchNormStatistics(n: n, c: c, hw: hw, input: storage.pointer, mean: localMean.storage.pointer,
                                            variance: localVar.storage.pointer)
        }
        // Every rank's [count, means…, variances…], in rank order.
        var mine = [Float](repeating: 0, count: 1 + 2 * c)
        mine[0] = Float(n * hw)
        for j in 0..<c { mine[1 + j] = localMean.storage.pointer[j]; mine[1 + c + j] = localVar.storage.pointer[j] }
        var all = [Float](repeating: 0, count: mine.count * group.size)
        mine.withUnsafeBufferPointer { m in all.withUnsafeMutableBufferPointer { group.allGather(m, into: $0) } }
        let stride = 1 + 2 * c
        let counts = (0..<group.size).map { Double(all[$0 * stride]) }
        let total = counts.reduce(0, +)
        guard total > 1 else {
            throw TensorError.invalidArgument(op: "sync_batch_norm", detail: "training needs more than one value per channel over all ranks, got \(Int(total))")
        }
        let mean = Tensor(uninitialized: [c]), invStd = Tensor(uninitialized: [c])
        var variance = [Double](repeating: 0, count: c)
        for j in 0..<c {
            var m = 0.0
            for r in 0..<group.size { m += counts[r] * Double(all[r * stride + 1 + j]) }
            m /= total
            var v = 0.0
            for r in 0..<group.size {
                let d = Double(all[r * stride + 1 + j]) - m
                v += counts[r] * (Double(all[r * stride + 1 + c + j]) + d * d)
            }
            v /= total
            variance[j] = v
            mean.storage.pointer[j] = Float(m)
            invStd.storage.pointer[j] = Float(1 / (v + Double(eps)).squareRoot())
        }
        if let rm = runningMean, let rv = runningVar {
            for j in 0..<c {
                rm.storage.pointer[j] = (1 - momentum) * rm.storage.pointer[j] + momentum * mean.storage.pointer[j]
                rv.storage.pointer[j] = (1 - momentum) * rv.storage.pointer[j]
                    + momentum * Float(variance[j] * total / (total - 1))
            }
        }
        let out = Tensor(uninitialized: shape)
        NormKernels.batchNormApply(n: n, c: c, hw: hw, input: storage.pointer, mean: mean.storage.pointer,
                                   invStd: invStd.storage.pointer, weight: weight.map { UnsafePointer($0.storage.pointer) },
                                   bias: bias.map { UnsafePointer($0.storage.pointer) }, output: out.storage.pointer)
        var inputs = [self]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        return Tensor.record(out, "sync_batch_norm", inputs) { g in
            try self.syncBatchNormBackward(g, weight: weight, bias: bias, mean: mean, invStd: invStd,
                                           total: total, group: group)
        }
    }

    private func syncBatchNormBackward(_ g: Tensor, weight: Tensor?, bias: Tensor?, mean: Tensor, invStd: Tensor,
                                       total: Double, group: ProcessGroup) throws -> [Tensor?] {
        let n = shape[0], c = shape[1], hw = rank == 4 ? shape[2] * shape[3] : 1
        let x = storage.pointer, dy = g.storage.pointer, mu = mean.storage.pointer, istd = invStd.storage.pointer
        // Local Σ dy and Σ dy·(x − mean) per channel, then over every rank.
        var sums = [Double](repeating: 0, count: 2 * c)
        sums.withUnsafeMutableBufferPointer { s in
            let sp = s.baseAddress!
            Parallel.forRanges(c, costPerItem: 2 * n * hw) { r in
                for ch in r {
                    var a = 0.0, b = 0.0
                    for i in 0..<n {
                        let o = (i * c + ch) * hw
                        for j in 0..<hw {
                            let d = Double(dy[o + j])
                            a += d
                            b += d * Double(x[o + j] - mu[ch])
                        }
                    }
                    sp[ch] = a
                    sp[c + ch] = b
                }
            }
        }
        let local = sums
        let global = group.allReduceSum(sums)
        let gw = (weight?.requiresGrad ?? false) ? Tensor(shape: [c]) { b in
            for j in 0..<c { b[j] = Float(local[c + j]) * istd[j] }
        } : nil
        let gb = (bias?.requiresGrad ?? false) ? Tensor(shape: [c]) { b in
            for j in 0..<c { b[j] = Float(local[j]) }
        } : nil
        var gx: Tensor? = nil
        if requiresGrad {
            let out = Tensor(uninitialized: shape)
            let dx = out.storage.pointer
            let w = weight.map { UnsafePointer($0.storage.pointer) }
            Parallel.forRanges(n * c, costPerItem: hw) { r in
                for plane in r {
                    let ch = plane % c
                    let k = (w?[ch] ?? 1) * istd[ch]
                    let a = -k * istd[ch] * istd[ch] * Float(global[c + ch] / total)
                    let b = -k * Float(global[ch] / total)
                    let o = plane * hw
                    for j in 0..<hw { dx[o + j] = k * dy[o + j] + a * (x[o + j] - mu[ch]) + b }
                }
            }
            gx = out
        }
        var grads: [Tensor?] = [gx]
        if weight != nil { grads.append(gw) }
        if bias != nil { grads.append(gb) }
        return grads
    }
}
