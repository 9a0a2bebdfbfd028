/// Raw batch-norm and layer-norm kernels.
///
/// Batch norm sees its input as `[n, c, hw]` (NCHW with `hw = H·W`, or `hw = 1` for `[N, C]`) and works
/// per channel, channels split across threads. Long reductions (over N·H·W) sum vectorised Float blocks
/// of at most `block` values into Double, so they stay accurate for large batches; the variance sums
/// squares around a shift (the channel's first value), which avoids cancellation in E[x²] − E[x]².
/// When `hw` is small the channel's values are scattered through memory, so those shapes walk the rows
/// in order instead and accumulate all channels of a thread's slice at once.
///
/// Layer norm works per row of `[rows, dim]`, rows split across threads; its parameter gradients are
/// summed per thread and then added up (independent of scheduling).
public enum NormKernels {
    /// Float partial sums cover at most this many values before being added into Double.
    static let block = 2048
    /// Below this `hw`, batch-norm kernels take the row-ordered path.
    static let smallPlane = 32

    // MARK: - Batch norm

    /// Per-channel mean and biased variance of `input[n, c, hw]` (overwrites `mean[c]`, `variance[c]`).
    public static func batchNormStatistics(n: Int, c: Int, hw: Int, input: UnsafePointer<Float>,
                                           mean: UnsafeMutablePointer<Float>,
                                           variance: UnsafeMutablePointer<Float>) {
        let count = Double(n &* hw)
        if count == 0 { return }
        if hw < smallPlane {
            // A thread's channels are one contiguous segment of every row: accumulate per element of
            // the segment (vectorises), then fold each channel's `hw` accumulators.
            Parallel.forRanges(c, costPerItem: n &* hw) { r in
                let len = r.count &* hw, first = r.lowerBound &* hw
                withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 &* len) { acc in
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: len) { shifts in
                        let s = acc.baseAddress!, q = s + len, sh = shifts.baseAddress!
                        s.initialize(repeating: 0, count: 2 &* len)
                        for e in 0..<len { sh[e] = input[first &+ (e / hw) &* hw] }
                        for i in 0..<n {
                            let p = input + (i &* c &* hw &+ first)
                            for e in 0..<len {
                                let x = Double(p[e] - sh[e])
                                s[e] += x; q[e] += x * x
                            }
                        }
                        for k in 0..<r.count {
                            var ss: Double = 0, qq: Double = 0
                            for j in 0..<hw { ss += s[k &* hw &+ j]; qq += q[k &* hw &+ j] }
                            let m = ss / count, ch = r.lowerBound &+ k
                            mean[ch] = Float(Double(sh[k &* hw]) + m)
                            variance[ch] = Float(max(0, qq / count - m * m))
                        }
                    }
                }
            }
            return
        }
        Parallel.forRanges(c, costPerItem: n &* hw) { r in
            for ch in r {
                let shift = input[ch &* hw]
                var s: Double = 0, q: Double = 0
                for i in 0..<n {
                    let p = input + (i &* c &+ ch) &* hw
                    var j = 0
                    while j < hw {
                        let len = min(block, hw &- j)
                        let (a, b) = KernelMath.shiftedSums(p + j, len, shift: shift)
                        s += Double(a); q += Double(b)
                        j &+= len
                    }
                }
                let m = s / count
                mean[ch] = Float(Double(shift) + m)
                variance[ch] = Float(max(0, q / count - m * m))
            }
        }
    }

    /// `output = (input − mean)·invStd·weight + bias` per channel (weight 1 and bias 0 when nil).
    public static func batchNormApply(n: Int, c: Int, hw: Int, input: UnsafePointer<Float>,
                                      mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                      weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
                                      output: UnsafeMutablePointer<Float>) {
        Parallel.forRanges(n &* c, costPerItem: hw) { r in
            for plane in r {
                let ch = plane % c
                // Centred first, so a large mean does not cancel digits away.
                let scale = invStd[ch] * (weight?[ch] ?? 1), m = mean[ch], b = bias?[ch] ?? 0
                let src = input + plane &* hw, dst = output + plane &* hw
                for j in 0..<hw { dst[j] = (src[j] - m) * scale + b }
            }
        }
    }

    /// Batch-norm gradients. `training`: the mean and invStd were this batch's statistics, so the input
    /// gradient flows through them too:
    /// `dx = w·invStd·(dy − mean(dy) − x̂·mean(dy·x̂))`; otherwise (evaluation, running statistics are
    /// constants) `dx = dy·w·invStd`. `gradWeight = Σ dy·x̂`, `gradBias = Σ dy`. Every output is optional
    /// and, when given, overwritten.
    public static func batchNormBackward(n: Int, c: Int, hw: Int, input: UnsafePointer<Float>,
                                         gradOutput: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                         invStd: UnsafePointer<Float>, weight: UnsafePointer<Float>?,
                                         gradInput: UnsafeMutablePointer<Float>?,
                                         gradWeight: UnsafeMutablePointer<Float>?,
                                         gradBias: UnsafeMutablePointer<Float>?, training: Bool) {
        let needSums = training && gradInput != nil || gradWeight != nil || gradBias != nil
        let count = Float(n &* hw)
        /// dx = k·dy + a·(x − mean) + b for channel `ch`, given Σ dy and Σ dy·(x − mean) (centred, so a
        /// large mean does not cancel digits away).
        @inline(__always) func coefficients(_ ch: Int, _ sumDy: Double, _ sumDyXc: Double) -> (Float, Float, Float) {
            let istd = invStd[ch], k = (weight?[ch] ?? 1) * istd
            if !training { return (k, 0, 0) }
            let a = -k * istd * istd * Float(sumDyXc) / count
            return (k, a, -k * Float(sumDy) / count)
        }
        @inline(__always) func store(_ ch: Int, _ sumDy: Double, _ sumDyXc: Double) {
            gradWeight?[ch] = Float(sumDyXc) * invStd[ch]
            gradBias?[ch] = Float(sumDy)
        }
        if hw < smallPlane {
            // As in `batchNormStatistics`: per-element accumulators over the thread's contiguous segment
            // of every row, folded per channel; then per-element coefficients for the dx pass.
            Parallel.forRanges(c, costPerItem: 2 &* n &* hw) { r in
                let len = r.count &* hw, first = r.lowerBound &* hw
                withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 &* len) { acc in
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 &* len) { coef in
                        let s = acc.baseAddress!, d = s + len
                        let ck = coef.baseAddress!, ca = ck + len, cb = ca + len, cm = cb + len
                        s.initialize(repeating: 0, count: 2 &* len)
                        for e in 0..<len { cm[e] = mean[r.lowerBound &+ e / hw] }
                        if needSums {
                            for i in 0..<n {
                                let x = input + (i &* c &* hw &+ first), dy = gradOutput + (i &* c &* hw &+ first)
                                for e in 0..<len {
                                    let g = Double(dy[e])
                                    s[e] += g; d[e] += g * Double(x[e] - cm[e])
                                }
                            }
                            for k in 0..<r.count {
                                var ss: Double = 0, dd: Double = 0
                                for j in 0..<hw { ss += s[k &* hw &+ j]; dd += d[k &* hw &+ j] }
                                s[k] = ss; d[k] = dd   // k ≤ k·hw: folded in place
                                store(r.lowerBound &+ k, ss, dd)
                            }
                        }
                        guard let gradInput else { return }
                        for e in 0..<len {
                            let k = e / hw
                            (ck[e], ca[e], cb[e]) = coefficients(r.lowerBound &+ k, s[k], d[k])
                        }
                        for i in 0..<n {
                            let off = i &* c &* hw &+ first
                            let x = input + off, dy = gradOutput + off, dx = gradInput + off
                            for e in 0..<len { dx[e] = ck[e] * dy[e] + ca[e] * (x[e] - cm[e]) + cb[e] }
                        }
                    }
                }
            }
            return
        }
        Parallel.forRanges(c, costPerItem: 2 &* n &* hw) { r in
            for ch in r {
                var sumDy: Double = 0, sumDyXc: Double = 0
                if needSums {
                    let m = mean[ch]
                    for i in 0..<n {
                        let off = (i &* c &+ ch) &* hw
                        var j = 0
                        while j < hw {
                            let len = min(block, hw &- j)
                            let (a, b) = KernelMath.sumAndShiftedDot(gradOutput + (off &+ j), input + (off &+ j), len,
                                                                     shift: m)
                            sumDy += Double(a); sumDyXc += Double(b)
                            j &+= len
                        }
                    }
                    store(ch, sumDy, sumDyXc)
                }
                guard let gradInput else { continue }
                let (k, a, b) = coefficients(ch, sumDy, sumDyXc)
                let m = mean[ch]
                for i in 0..<n {
                    let off = (i &* c &+ ch) &* hw
                    let x = input + off, dy = gradOutput + off, dx = gradInput + off
                    if training {
                        for j in 0..<hw { dx[j] = k * dy[j] + a * (x[j] - m) + b }
                    } else {
                        for j in 0..<hw { dx[j] = k * dy[j] }
                    }
                }
            }
        }
    }

    // MARK: - Layer norm

    /// Normalises each row of `input[rows, dim]`: `output = (x − mean)·invStd·weight + bias`, with
    /// `invStd = 1/√(var + eps)` (biased variance). Saves the per-row `mean` and `invStd` for backward.
    public static func layerNormForward(rows: Int, dim: Int, input: UnsafePointer<Float>,
                                        weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, eps: Float,
                                        output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                        invStd: UnsafeMutablePointer<Float>) {
        if dim == 0 { return }
        let scaleN = 1 / Float(dim)
        Parallel.forRanges(rows, costPerItem: 3 &* dim) { r in
            for row in r {
                let x = input + row &* dim, y = output + row &* dim
                // Two passes (mean, then squares around it): exact enough in Float for any row length.
                let m = KernelMath.sum(x, dim) * scaleN
                let (s, q) = KernelMath.shiftedSums(x, dim, shift: m)
                let sm = s * scaleN
                let istd = 1 / (max(0, q * scaleN - sm * sm) + eps).squareRoot()
                mean[row] = m
                invStd[row] = istd
                switch (weight, bias) {
                case let (w?, b?): for j in 0..<dim { y[j] = (x[j] - m) * istd * w[j] + b[j] }
                case let (w?, nil): for j in 0..<dim { y[j] = (x[j] - m) * istd * w[j] }
                case let (nil, b?): for j in 0..<dim { y[j] = (x[j] - m) * istd + b[j] }
                case (nil, nil): for j in 0..<dim { y[j] = (x[j] - m) * istd }
                }
            }
        }
    }

    /// Layer-norm gradients: `dx = invStd·(g − mean(g) − x̂·mean(g·x̂))` with `g = dy·weight`;
    /// `gradWeight = Σ_rows dy·x̂`, `gradBias = Σ_rows dy`. Every output is optional and, when given,
    /// overwritten.
    public static func layerNormBackward(rows: Int, dim: Int, input: UnsafePointer<Float>,
                                         gradOutput: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                         invStd: UnsafePointer<Float>, weight: UnsafePointer<Float>?,
                                         gradInput: UnsafeMutablePointer<Float>?,
                                         gradWeight: UnsafeMutablePointer<Float>?,
                                         gradBias: UnsafeMutablePointer<Float>?) {
        let params = gradWeight != nil || gradBias != nil
        let chunks = KernelThreads.chunkCount(rows, costPerItem: 4 &* dim)
        // Chunk 0 sums into gradWeight/gradBias directly; chunk k > 0 into partials[(k-1)·2·dim ...].
        BufferPool.shared.withScratch(params ? 2 &* dim &* max(0, chunks &- 1) : 0) { partials in
            KernelThreads.run(rows, chunks: chunks) { chunk, r in
                var gw = gradWeight, gb = gradBias
                if chunk > 0 {
                    let mine = partials + (chunk &- 1) &* 2 &* dim
                    if gw != nil { gw = mine }
                    if gb != nil { gb = mine + dim }
                }
                gw?.update(repeating: 0, count: dim)
                gb?.update(repeating: 0, count: dim)
                let scaleN = 1 / Float(dim)
                for row in r {
                    let x = input + row &* dim, dy = gradOutput + row &* dim
                    let m = mean[row], istd = invStd[row]
                    if let gw { for j in 0..<dim { gw[j] += dy[j] * ((x[j] - m) * istd) } }
                    if let gb { for j in 0..<dim { gb[j] += dy[j] } }
                    guard let dx = gradInput.map({ $0 + row &* dim }) else { continue }
                    let (sg, sgx) = weight.map { KernelMath.weightedSumAndShiftedDot(dy, $0, x, dim, shift: m) }
                        ?? KernelMath.sumAndShiftedDot(dy, x, dim, shift: m)
                    // dx = istd·(g − c1 − (x − m)·c2), c1 = mean(g), c2 = istd²·mean(g·(x − m)).
                    let c1 = sg * scaleN, c2 = sgx * istd * istd * scaleN
                    if let w = weight {
                        for j in 0..<dim { dx[j] = istd * (dy[j] * w[j] - c1 - (x[j] - m) * c2) }
                    } else {
                        for j in 0..<dim { dx[j] = istd * (dy[j] - c1 - (x[j] - m) * c2) }
                    }
                }
            }
            if params {
                let parts = chunks &- 1, stride = 2 &* dim
                if let gw = gradWeight {
                    KernelThreads.addPartials(partials, parts: parts, stride: stride, count: dim, into: gw)
                }
                if let gb = gradBias {
                    KernelThreads.addPartials(partials + dim, parts: parts, stride: stride, count: dim, into: gb)
                }
            }
        }
    }
}
