#if canImport(Glibc)
import Glibc
#endif

/// Softmax and log-softmax as fused row kernels (stable: shifted by the row maximum), plus
/// L2-normalisation and cosine similarity derived from primitive ops.
extension Tensor {
    /// Softmax along `axis` (default: last).
    public func softmax(axis: Int = -1) throws -> Tensor {
        try alongLastAxis(axis) { x in try x.rowSoftmax(log: false) }
    }

    /// Log-softmax along `axis` (default: last).
    public func logSoftmax(axis: Int = -1) throws -> Tensor {
        try alongLastAxis(axis) { x in try x.rowSoftmax(log: true) }
    }

    /// Applies a last-axis op to `axis` by moving that axis last and back.
    func alongLastAxis(_ axis: Int, _ body: (Tensor) throws -> Tensor) throws -> Tensor {
        let a = try normalizedAxis(axis, op: "softmax")
        if a == rank - 1 { return try body(self) }
        var order = Array(0..<rank)
        order.remove(at: a)
        order.append(a)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, p) in order.enumerated() { inverse[p] = i }
        return try body(permuted(order)).permuted(inverse)
    }

    private func rowSoftmax(log: Bool) throws -> Tensor {
        let n = shape.last ?? 1, rows = count / Swift.max(n, 1)
        let out = Tensor(uninitialized: shape)
        let src = storage.pointer, dst = out.storage.pointer
        Parallel.forRanges(rows, costPerItem: n * 8) { r in
            for row in r {
                let x = src + row * n, y = dst + row * n
                if log {
                    let (m, s) = KernelMath.shiftedExp(x, y, n)
                    let ls = Glibc.logf(s) + m
                    for j in 0..<n { y[j] = x[j] - ls }
                } else {
                    KernelMath.softmax(x, y, n)
                }
            }
        }
        return Tensor.record(out, log ? "log_softmax" : "softmax", [self]) { g in
            let gi = Tensor(uninitialized: out.shape)
            let gp = g.storage.pointer, yp = out.storage.pointer, dp = gi.storage.pointer
            Parallel.forRanges(rows, costPerItem: n * 4) { r in
                for row in r {
                    let gr = gp + row * n, yr = yp + row * n, dr = dp + row * n
                    if log {
                        // d/dx log_softmax: g - softmax * Σg
                        let s = KernelMath.sum(gr, n)
                        for j in 0..<n { dr[j] = gr[j] - KernelMath.exp(yr[j]) * s }
                    } else {
                        // d/dx softmax: y * (g - Σ g·y)
                        let s = KernelMath.dot(gr, yr, n)
                        for j in 0..<n { dr[j] = yr[j] * (gr[j] - s) }
                    }
                }
            }
            return [gi]
        }
    }

    /// x / max(‖x‖₂, eps) along `axis` (PyTorch's `F.normalize`, eps 1e-12).
    public func l2Normalized(axis: Int = -1, eps: Float = 1e-12) throws -> Tensor {
        let norm = try (self * self).sum(axes: [axis], keepDims: true).sqrt().clamp(min: eps)
        return try self / norm
    }

    /// Cosine similarity along `axis`: x·y / (max(‖x‖, eps) · max(‖y‖, eps)) (PyTorch ≥ 1.12, eps 1e-8).
    public func cosineSimilarity(_ other: Tensor, axis: Int = -1, eps: Float = 1e-8) throws -> Tensor {
        let nx = try (self * self).sum(axes: [axis]).sqrt().clamp(min: eps)
        let ny = try (other * other).sum(axes: [axis]).sqrt().clamp(min: eps)
        return try (self * other).sum(axes: [axis]) / (nx * ny)
    }
}
