/// Matrix products on OpenBLAS: `matmul` (NumPy semantics incl. batching and broadcasting of batch
/// dimensions) and `linear` (x·Wᵀ + b with PyTorch's [out, in] weight layout, no transpose copy).
extension Tensor {
    /// Product of the last two dimensions; 1-D operands are promoted as in NumPy and squeezed back.
    public func matmul(_ other: Tensor) throws -> Tensor {
        guard rank >= 1, other.rank >= 1 else {
            throw TensorError.shapeMismatch(op: "matmul", lhs: shape, rhs: other.shape, detail: "scalars cannot be multiplied as matrices")
        }
        if rank == 1 {
            return try unsqueezed(0).matmul(other).squeezed(-2)
        }
        if other.rank == 1 {
            return try matmul(other.unsqueezed(1)).squeezed(-1)
        }
        let m = shape[rank - 2], k = shape[rank - 1], k2 = other.shape[other.rank - 2], n = other.shape[other.rank - 1]
        guard k == k2 else {
            throw TensorError.shapeMismatch(op: "matmul", lhs: shape, rhs: other.shape, detail: "inner dimensions differ (\(k) vs \(k2))")
        }
        let batchA = Array(shape.dropLast(2)), batchB = Array(other.shape.dropLast(2))
        // x[..., m, k] · W[k, n]: fold the batch into the rows, one GEMM.
        if batchB.isEmpty {
            let rows = batchA.reduce(1, *) * m
            let out = Tensor(uninitialized: batchA + [m, n])
            GemmKernels.sgemm(transA: false, transB: false, m: rows, n: n, k: k, a: storage.pointer, lda: k,
                          b: other.storage.pointer, ldb: n, c: out.storage.pointer, ldc: n)
            return Tensor.record(out, "matmul", [self, other]) { g in
                var ga: Tensor?, gb: Tensor?
                if self.requiresGrad {
                    let t = Tensor(uninitialized: self.shape)
                    GemmKernels.sgemm(transA: false, transB: true, m: rows, n: k, k: n, a: g.storage.pointer, lda: n,
                                  b: other.storage.pointer, ldb: n, c: t.storage.pointer, ldc: k)
                    ga = t
                }
                if other.requiresGrad {
                    let t = Tensor(uninitialized: other.shape)
                    GemmKernels.sgemm(transA: true, transB: false, m: k, n: n, k: rows, a: self.storage.pointer, lda: k,
                                  b: g.storage.pointer, ldb: n, c: t.storage.pointer, ldc: n)
                    gb = t
                }
                return [ga, gb]
            }
        }
        let batch = try Broadcast.shape(batchA, batchB, op: "matmul")
        let a = try expanded(to: batch + [m, k]), b = try other.expanded(to: batch + [k, n])
        let nb = batch.reduce(1, *)
        let out = Tensor(uninitialized: batch + [m, n])
        Tensor.batchedGemm(nb, transA: false, transB: false, m: m, n: n, k: k, a: a, b: b, c: out)
        return Tensor.record(out, "matmul", [a, b]) { g in
            var ga: Tensor?, gb: Tensor?
            if a.requiresGrad {
                ga = Tensor(uninitialized: a.shape)
                Tensor.batchedGemm(nb, transA: false, transB: true, m: m, n: k, k: n, a: g, b: b, c: ga!)
            }
            if b.requiresGrad {
                gb = Tensor(uninitialized: b.shape)
                Tensor.batchedGemm(nb, transA: true, transB: false, m: k, n: n, k: m, a: a, b: g, c: gb!)
            }
            return [ga, gb]
        }
    }

    /// `count` independent GEMMs over contiguous [count, ·, ·] operands, spread over the threads.
    static func batchedGemm(_ count: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                            a: Tensor, b: Tensor, c: Tensor) {
        let sa = a.count / count, sb = b.count / count, sc = m * n
        let lda = transA ? m : k, ldb = transB ? k : n
        let pa = a.storage.pointer, pb = b.storage.pointer, pc = c.storage.pointer
        if count >= Parallel.threads {
            Parallel.forEach(count, costPerItem: m * n * k, grain: 1 << 18) { i in
                GemmKernels.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: pa + i * sa, lda: lda,
                              b: pb + i * sb, ldb: ldb, c: pc + i * sc, ldc: n, parallel: false)
            }
        } else {
            for i in 0..<count {
                GemmKernels.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: pa + i * sa, lda: lda,
                              b: pb + i * sb, ldb: ldb, c: pc + i * sc, ldc: n)
            }
        }
    }

    /// y = x·Wᵀ + b for x [..., in], weight [out, in], bias [out] (PyTorch's `F.linear`).
    public func linear(weight: Tensor, bias: Tensor?) throws -> Tensor {
        guard weight.rank == 2, rank >= 1, shape[rank - 1] == weight.shape[1] else {
            throw TensorError.shapeMismatch(op: "linear", lhs: shape, rhs: weight.shape, detail: "input's last dimension must equal the weight's in-features (weight is [out, in])")
        }
        let inF = weight.shape[1], outF = weight.shape[0]
        if let bias, bias.shape != [outF] {
            throw TensorError.shapeMismatch(op: "linear", lhs: weight.shape, rhs: bias.shape, detail: "bias must be [\(outF)]")
        }
        let rows = count / Swift.max(inF, 1)
        let outShape = Array(shape.dropLast()) + [outF]
        let out = Tensor(uninitialized: outShape)
        let po = out.storage.pointer
        if let bias {
            let pb = bias.storage.pointer
            for r in 0..<rows { (po + r * outF).update(from: pb, count: outF) }
        }
        GemmKernels.sgemm(transA: false, transB: true, m: rows, n: outF, k: inF, a: storage.pointer, lda: inF,
                      b: weight.storage.pointer, ldb: inF, beta: bias == nil ? 0 : 1, c: po, ldc: outF)
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return Tensor.record(out, "linear", inputs) { g in
            var gx: Tensor?, gw: Tensor?, gbias: Tensor?
            if self.requiresGrad {
                let t = Tensor(uninitialized: self.shape)
                GemmKernels.sgemm(transA: false, transB: false, m: rows, n: inF, k: outF, a: g.storage.pointer, lda: outF,
                              b: weight.storage.pointer, ldb: inF, c: t.storage.pointer, ldc: inF)
                gx = t
            }
            if weight.requiresGrad {
                let t = Tensor(uninitialized: weight.shape)
                GemmKernels.sgemm(transA: true, transB: false, m: outF, n: inF, k: rows, a: g.storage.pointer, lda: outF,
                              b: self.storage.pointer, ldb: inF, c: t.storage.pointer, ldc: inF)
                gw = t
            }
            if let bias, bias.requiresGrad {
                gbias = try g.reshaped([rows, outF]).sum(axes: [0])
            }
            return [gx, gw, gbias]
        }
    }
}
