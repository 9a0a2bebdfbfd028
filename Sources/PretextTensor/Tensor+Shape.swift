/// Shape operations. `reshaped` is a free view; the rest copy through `StridedCopy`.
extension Tensor {
    /// The same data in a new shape (one dimension may be -1). Shares storage.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            guard known > 0, count % known == 0 else {
                throw TensorError.shapeMismatch(op: "reshape", lhs: shape, rhs: newShape, detail: "\(count) elements cannot fill it")
            }
            s[i] = count / known
        }
        guard s.reduce(1, *) == count, s.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.shapeMismatch(op: "reshape", lhs: shape, rhs: newShape, detail: "element counts differ (\(count) vs \(s.reduce(1, *)))")
        }
        if s == shape { return self }
        let out = Tensor(shape: s, storage: storage)
        let inShape = shape
        return Tensor.record(out, "reshape", [self]) { g in [try g.reshaped(inShape)] }
    }

    /// Flattens dimensions `start...end` into one.
    public func flattened(from start: Int = 0, to end: Int = -1) throws -> Tensor {
        let a = try normalizedAxis(start, op: "flatten"), b = try normalizedAxis(end, op: "flatten")
        guard a <= b else { return self }
        let mid = shape[a...b].reduce(1, *)
        return try reshaped(Array(shape[..<a]) + [mid] + Array(shape[(b + 1)...]))
    }

    /// Inserts a dimension of size 1 at `axis`.
    public func unsqueezed(_ axis: Int) throws -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        guard a >= 0 && a <= rank else {
            throw TensorError.invalidArgument(op: "unsqueeze", detail: "axis \(axis) out of range for shape \(shape)")
        }
        var s = shape
        s.insert(1, at: a)
        return try reshaped(s)
    }

    /// Removes dimension `axis`, which must have size 1.
    public func squeezed(_ axis: Int) throws -> Tensor {
        let a = try normalizedAxis(axis, op: "squeeze")
        guard shape[a] == 1 else {
            throw TensorError.invalidArgument(op: "squeeze", detail: "dimension \(axis) of \(shape) is not 1")
        }
        var s = shape
        s.remove(at: a)
        return try reshaped(s)
    }

    /// Reorders dimensions: output dimension i is input dimension `order[i]`.
    public func permuted(_ order: [Int]) throws -> Tensor {
        guard order.count == rank, Set(order) == Set(0..<rank) else {
            throw TensorError.invalidArgument(op: "permute", detail: "\(order) is not a permutation of the \(rank) dimensions of \(shape)")
        }
        if order == Array(0..<rank) { return self }
        let outShape = order.map { shape[$0] }
        let inStrides = strides
        let out = Tensor(uninitialized: outShape)
        StridedCopy.copy(shape: outShape, src: storage.pointer, srcStrides: order.map { inStrides[$0] },
                         dst: out.storage.pointer, dstStrides: Tensor.contiguousStrides(outShape))
        var inverse = [Int](repeating: 0, count: order.count)
        for (i, p) in order.enumerated() { inverse[p] = i }
        return Tensor.record(out, "permute", [self]) { g in [try g.permuted(inverse)] }
    }

    /// Swaps two dimensions.
    public func transposed(_ a: Int = -2, _ b: Int = -1) throws -> Tensor {
        let x = try normalizedAxis(a, op: "transpose"), y = try normalizedAxis(b, op: "transpose")
        var order = Array(0..<rank)
        order.swapAt(x, y)
        return try permuted(order)
    }

    /// Broadcasts to `target` (copying); the gradient sums back.
    public func expanded(to target: [Int]) throws -> Tensor {
        let s = try Broadcast.shape(shape, target, op: "expand")
        guard s == target else {
            throw TensorError.shapeMismatch(op: "expand", lhs: shape, rhs: target, detail: "cannot expand to a smaller shape")
        }
        if target == shape { return self }
        let out = Tensor(uninitialized: target)
        StridedCopy.copy(shape: target, src: storage.pointer, srcStrides: Broadcast.strides(of: shape, in: target),
                         dst: out.storage.pointer, dstStrides: Tensor.contiguousStrides(target))
        let inShape = shape
        return Tensor.record(out, "expand", [self]) { g in [try g.sumToShape(inShape)] }
    }

    /// Elements `start ..< start+length` along `axis` (a copy).
    public func narrowed(axis: Int, start: Int, length: Int) throws -> Tensor {
        let a = try normalizedAxis(axis, op: "narrow")
        guard start >= 0, length >= 0, start + length <= shape[a] else {
            throw TensorError.invalidArgument(op: "narrow", detail: "range \(start)..<\(start + length) is outside dimension \(axis) of size \(shape[a]) (shape \(shape))")
        }
        var outShape = shape
        outShape[a] = length
        let st = strides
        let out = Tensor(uninitialized: outShape)
        StridedCopy.copy(shape: outShape, src: storage.pointer + start * st[a], srcStrides: st,
                         dst: out.storage.pointer, dstStrides: Tensor.contiguousStrides(outShape))
        let inShape = shape
        return Tensor.record(out, "narrow", [self]) { g in
            let gi = Tensor.zeros(inShape)
            StridedCopy.copy(shape: outShape, src: g.storage.pointer, srcStrides: Tensor.contiguousStrides(outShape),
                             dst: gi.storage.pointer + start * st[a], dstStrides: st)
            return [gi]
        }
    }

    /// Joins tensors along `axis`; all other dimensions must agree.
    public static func cat(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = tensors.first else {
            throw TensorError.invalidArgument(op: "cat", detail: "needs at least one tensor")
        }
        let a = try first.normalizedAxis(axis, op: "cat")
        var outShape = first.shape
        outShape[a] = 0
        for t in tensors {
            var s = t.shape, f = first.shape
            guard s.count == f.count else {
                throw TensorError.shapeMismatch(op: "cat", lhs: f, rhs: s, detail: "ranks differ")
            }
            s[a] = 0; f[a] = 0
            guard s == f else {
                throw TensorError.shapeMismatch(op: "cat", lhs: first.shape, rhs: t.shape, detail: "only dimension \(axis) may differ")
            }
            outShape[a] += t.shape[a]
        }
        let out = Tensor(uninitialized: outShape)
        let outStrides = Tensor.contiguousStrides(outShape)
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            StridedCopy.copy(shape: t.shape, src: t.storage.pointer, srcStrides: t.strides,
                             dst: out.storage.pointer + offset * outStrides[a], dstStrides: outStrides)
            offset += t.shape[a]
        }
        return record(out, "cat", tensors) { g in
            try zip(tensors, offsets).map { t, off in
                t.requiresGrad ? try g.narrowed(axis: a, start: off, length: t.shape[a]) : nil
            }
        }
    }

    /// Stacks equally shaped tensors along a new `axis`.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
        try cat(tensors.map { try $0.unsqueezed(axis) }, axis: axis)
    }

    /// Splits into pieces of `size` along `axis` (the last may be smaller).
    public func chunked(size: Int, axis: Int = 0) throws -> [Tensor] {
        let a = try normalizedAxis(axis, op: "split")
        return try stride(from: 0, to: shape[a], by: size).map {
            try narrowed(axis: a, start: $0, length: Swift.min(size, shape[a] - $0))
        }
    }

    /// Selects entries `indices` along `axis` (like `torch.index_select`).
    public func indexSelect(axis: Int, indices: [Int]) throws -> Tensor {
        let a = try normalizedAxis(axis, op: "index_select")
        let n = shape[a]
        for i in indices where i < 0 || i >= n {
            throw TensorError.invalidArgument(op: "index_select", detail: "index \(i) is outside 0..<\(n) along dimension \(axis) of \(shape)")
        }
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        var outShape = shape
        outShape[a] = indices.count
        let out = Tensor(uninitialized: outShape)
        let src = storage.pointer, dst = out.storage.pointer, k = indices.count
        Parallel.forRanges(outer, costPerItem: k * inner) { r in
            for o in r {
                for (j, i) in indices.enumerated() {
                    (dst + (o * k + j) * inner).update(from: src + (o * n + i) * inner, count: inner)
                }
            }
        }
        let inShape = shape
        return Tensor.record(out, "index_select", [self]) { g in
            let gi = Tensor.zeros(inShape)
            let gs = g.storage.pointer, gd = gi.storage.pointer
            for o in 0..<outer {
                for (j, i) in indices.enumerated() {
                    let s = gs + (o * k + j) * inner, d = gd + (o * n + i) * inner
                    for c in 0..<inner { d[c] += s[c] }
                }
            }
            return [gi]
        }
    }

    /// `torch.gather`: out[…, j, …] = self[…, index[…, j, …], …] along `axis`; `index` holds integer
    /// values and has the output's shape (same rank as self, other dimensions no larger).
    public func gather(axis: Int, index: Tensor) throws -> Tensor {
        let a = try normalizedAxis(axis, op: "gather")
        guard index.rank == rank else {
            throw TensorError.shapeMismatch(op: "gather", lhs: shape, rhs: index.shape, detail: "index must have the same rank")
        }
        let out = Tensor(uninitialized: index.shape)
        try Tensor.scatterGather(axis: a, index: index, big: self, small: out, gather: true)
        let inShape = shape
        return Tensor.record(out, "gather", [self]) { g in
            let gi = Tensor.zeros(inShape)
            try Tensor.scatterGather(axis: a, index: index, big: gi, small: g, gather: false)
            return [gi]
        }
    }

    /// `torch.scatter_add` (out of place): self with `source[…, j, …]` added at `index[…, j, …]` along `axis`.
    public func scatterAdd(axis: Int, index: Tensor, source: Tensor) throws -> Tensor {
        let a = try normalizedAxis(axis, op: "scatter_add")
        guard index.shape == source.shape, index.rank == rank else {
            throw TensorError.shapeMismatch(op: "scatter_add", lhs: index.shape, rhs: source.shape, detail: "index and source must have the same shape and the rank of self \(shape)")
        }
        let out = copy()
        try Tensor.scatterGather(axis: a, index: index, big: out, small: source, gather: false)
        return Tensor.record(out, "scatter_add", [self, source]) { g in
            [g, source.requiresGrad ? try g.detached().gather(axis: a, index: index) : nil]
        }
    }

    /// Shared loop of gather (big → small) and scatter-add (small added into big).
    static func scatterGather(axis a: Int, index: Tensor, big: Tensor, small: Tensor, gather: Bool) throws {
        let ish = index.shape, bsh = big.shape
        for d in 0..<ish.count where d != a && ish[d] > bsh[d] {
            throw TensorError.shapeMismatch(op: gather ? "gather" : "scatter_add", lhs: bsh, rhs: ish, detail: "index dimension \(d) is larger than the tensor's")
        }
        let bst = big.strides, ist = index.strides
        let n = bsh[a]
        let ip = index.storage.pointer, bp = big.storage.pointer, sp = small.storage.pointer
        for flat in 0..<index.count {
            var rem = flat, boff = 0
            for d in stride(from: ish.count - 1, through: 0, by: -1) {
                let i = rem % ish[d]
                rem /= ish[d]
                if d == a {
                    let j = Int(ip[flat])
                    guard j >= 0 && j < n else {
                        throw TensorError.invalidArgument(op: gather ? "gather" : "scatter_add", detail: "index \(j) is outside 0..<\(n)")
                    }
                    boff += j * bst[d]
                } else {
                    boff += i * bst[d]
                }
            }
            _ = ist
            if gather { sp[flat] = bp[boff] } else { bp[boff] += sp[flat] }
        }
    }
}
