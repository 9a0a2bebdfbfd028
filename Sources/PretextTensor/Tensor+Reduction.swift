/// Reductions over any set of axes, with `keepDims`. Axes may be negative (counted from the end).
extension Tensor {
    func normalizedAxes(_ axes: [Int], op: String) throws -> [Int] {
        var out: [Int] = []
        for a in axes {
            let ax = a < 0 ? a + rank : a
            guard ax >= 0 && ax < Swift.max(rank, 1) else {
                throw TensorError.invalidArgument(op: op, detail: "axis \(a) is out of range for shape \(shape)")
            }
            if !out.contains(ax) { out.append(ax) }
        }
        return out.sorted()
    }

    func normalizedAxis(_ axis: Int, op: String) throws -> Int {
        try normalizedAxes([axis], op: op)[0]
    }

    /// Shape after reducing `axes` (sorted, normalised).
    func reducedShape(_ axes: [Int], keepDims: Bool) -> [Int] {
        var s: [Int] = []
        for (i, d) in shape.enumerated() {
            if axes.contains(i) { if keepDims { s.append(1) } } else { s.append(d) }
        }
        return s
    }

    /// Runs a kernel reduction over `axes` (keepDims shape), one contiguous run of axes at a time.
    func rawReduce(_ axes: [Int], kind: ReductionKernels.Kind) -> Tensor {
        var current = self
        var currentShape = shape
        // Group axes into runs of consecutive axes; reduce the last run first.
        var runs: [[Int]] = []
        for a in axes {
            if let last = runs.last?.last, last + 1 == a { runs[runs.count - 1].append(a) } else { runs.append([a]) }
        }
        for run in runs.reversed() {
            let outer = currentShape[..<run.first!].reduce(1, *)
            let n = run.map { currentShape[$0] }.reduce(1, *)
            let inner = currentShape[(run.last! + 1)...].reduce(1, *)
            for a in run { currentShape[a] = 1 }
            let out = Tensor(uninitialized: currentShape)
            ReductionKernels.reduce(current.storage.pointer, outer: outer, n: n, inner: inner, kind: kind,
                                    out: out.storage.pointer, argIndex: nil)
            current = out
        }
        return current
    }

    /// Sum over `axes` (all axes when nil).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        let ax = try normalizedAxes(axes ?? Array(0..<rank), op: "sum")
        let kept = rawReduce(ax, kind: .sum)
        let out = Tensor(shape: reducedShape(ax, keepDims: keepDims), storage: kept.storage)
        let inShape = shape
        return Tensor.record(out, "sum", [self]) { g in
            [try g.reshaped(kept.shape).expanded(to: inShape)]
        }
    }

    public func sum(axis: Int, keepDims: Bool = false) throws -> Tensor { try sum(axes: [axis], keepDims: keepDims) }

    /// Mean over `axes` (all axes when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        let ax = try normalizedAxes(axes ?? Array(0..<rank), op: "mean")
        let n = ax.map { shape[$0] }.reduce(1, *)
        return try sum(axes: ax, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
    }

    public func mean(axis: Int, keepDims: Bool = false) throws -> Tensor { try mean(axes: [axis], keepDims: keepDims) }

    /// Variance over `axes` with `correction` (1 = unbiased, PyTorch's default; 0 = biased).
    public func variance(axes: [Int]? = nil, correction: Int = 1, keepDims: Bool = false) throws -> Tensor {
        let ax = try normalizedAxes(axes ?? Array(0..<rank), op: "variance")
        let n = ax.map { shape[$0] }.reduce(1, *)
        let centred = try self - mean(axes: ax, keepDims: true)
        return try (centred * centred).sum(axes: ax, keepDims: keepDims) * (1 / Float(Swift.max(n - correction, 1)))
    }

    /// Maximum over `axes`; the gradient goes to the first maximal element of each reduced group.
    public func max(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        try extremum(axes: axes, keepDims: keepDims, kind: .max, name: "max")
    }

    /// Minimum over `axes`; the gradient goes to the first minimal element.
    public func min(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        try extremum(axes: axes, keepDims: keepDims, kind: .min, name: "min")
    }

    public func max(axis: Int, keepDims: Bool = false) throws -> Tensor { try max(axes: [axis], keepDims: keepDims) }
    public func min(axis: Int, keepDims: Bool = false) throws -> Tensor { try min(axes: [axis], keepDims: keepDims) }

    private func extremum(axes: [Int]?, keepDims: Bool, kind: ReductionKernels.Kind, name: String) throws -> Tensor {
        let ax = try normalizedAxes(axes ?? Array(0..<rank), op: name)
        // Move reduced axes last and flatten them, so one index per group identifies the winner.
        let keptAxes = (0..<rank).filter { !ax.contains($0) }
        let moved = try permuted(keptAxes + ax)
        let groups = keptAxes.map { shape[$0] }.reduce(1, *)
        let n = ax.map { shape[$0] }.reduce(1, *)
        let out = Tensor(uninitialized: reducedShape(ax, keepDims: keepDims))
        let idx = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(groups, 1))
        ReductionKernels.reduce(moved.storage.pointer, outer: groups, n: n, inner: 1, kind: kind,
                                out: out.storage.pointer, argIndex: idx)
        let winners = Array(UnsafeBufferPointer(start: idx, count: groups))
        idx.deallocate()
        let inShape = shape, movedShape = moved.shape, perm = keptAxes + ax
        return Tensor.record(out, name, [self]) { g in
            let gm = Tensor.zeros(movedShape)
            let gp = g.storage.pointer, dst = gm.storage.pointer
            for i in 0..<groups { dst[i * n + Int(winners[i])] = gp[i] }
            var inverse = [Int](repeating: 0, count: perm.count)
            for (i, p) in perm.enumerated() { inverse[p] = i }
            let back = try gm.permuted(inverse)
            precondition(back.shape == inShape)
            return [back]
        }
    }

    /// Index of the maximum along `axis` (as float values; exact below 2²⁴), no gradient.
    public func argmax(axis: Int, keepDims: Bool = false) throws -> Tensor {
        let ax = try normalizedAxis(axis, op: "argmax")
        let outer = shape[..<ax].reduce(1, *), n = shape[ax], inner = shape[(ax + 1)...].reduce(1, *)
        let vals = Tensor(uninitialized: reducedShape([ax], keepDims: true))
        let idx = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(outer * inner, 1))
        defer { idx.deallocate() }
        ReductionKernels.reduce(storage.pointer, outer: outer, n: n, inner: inner, kind: .max,
                                out: vals.storage.pointer, argIndex: idx)
        return Tensor(shape: reducedShape([ax], keepDims: keepDims)) { b in
            for i in 0..<b.count { b[i] = Float(idx[i]) }
        }
    }

    /// log Σ exp over `axes`, computed stably around the maximum.
    public func logSumExp(axes: [Int], keepDims: Bool = false) throws -> Tensor {
        let ax = try normalizedAxes(axes, op: "logsumexp")
        let m = noGrad { rawReduce(ax, kind: .max) }   // a constant shift: no gradient needed through it
        let mp = m.storage.pointer
        for i in 0..<m.count where !mp[i].isFinite { mp[i] = 0 }
        let s = try (self - m).exp().sum(axes: ax, keepDims: true).log() + m
        return keepDims ? s : try s.reshaped(reducedShape(ax, keepDims: false))
    }
}
