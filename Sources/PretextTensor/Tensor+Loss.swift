/// Loss primitives shared by every method: cross-entropy (hard labels with label smoothing, or soft
/// targets), mean squared error, and dropout.
extension Tensor {
    /// Mean cross-entropy of logits [N, C] against class indices, with label smoothing ε as PyTorch:
    /// the target is (1−ε)·onehot + ε/C. Fused: the gradient is (softmax − target) / N.
    public func crossEntropy(labels: [Int], labelSmoothing: Float = 0) throws -> Tensor {
        guard rank == 2 else {
            throw TensorError.invalidArgument(op: "cross_entropy", detail: "logits must be [N, C], got \(shape)")
        }
        let n = shape[0], c = shape[1]
        guard labels.count == n else {
            throw TensorError.shapeMismatch(op: "cross_entropy", lhs: shape, rhs: [labels.count], detail: "one label per row is needed")
        }
        for y in labels where y < 0 || y >= c {
            throw TensorError.invalidArgument(op: "cross_entropy", detail: "label \(y) is outside 0..<\(c)")
        }
        let logp = try noGrad { try self.logSoftmax(axis: 1) }
        let lp = logp.storage.pointer
        var total = 0.0
        for i in 0..<n {
            let row = lp + i * c
            var rowSum = 0.0
            if labelSmoothing > 0 { for j in 0..<c { rowSum += Double(row[j]) } }
            total += -Double(1 - labelSmoothing) * Double(row[labels[i]]) - Double(labelSmoothing) / Double(c) * rowSum
        }
        let out = Tensor(scalar: Float(total / Double(Swift.max(n, 1))))
        return Tensor.record(out, "cross_entropy", [self]) { g in
            let lp = logp.storage.pointer   // captures logp, keeping its storage alive until backward
            let scale = g.item / Float(Swift.max(n, 1))
            let gi = Tensor(shape: [n, c]) { b in
                for i in 0..<n {
                    for j in 0..<c {
                        let target = (j == labels[i] ? 1 - labelSmoothing : 0) + labelSmoothing / Float(c)
                        b[i * c + j] = (KernelMath.exp(lp[i * c + j]) - target) * scale
                    }
                }
            }
            return [gi]
        }
    }

    /// Mean over rows of −Σ target·log_softmax(self) along the last axis, for soft targets (DINO).
    public func crossEntropy(softTargets: Tensor) throws -> Tensor {
        try (-(softTargets * logSoftmax(axis: -1)).sum(axes: [-1])).mean()
    }

    /// Mean squared error.
    public func mseLoss(_ target: Tensor) throws -> Tensor {
        let d = try self - target
        return try (d * d).mean()
    }

    /// Zeroes elements with probability p and scales the rest by 1/(1−p) (identity when not training).
    public func dropout(p: Float, training: Bool, rng: inout RNG) throws -> Tensor {
        guard training, p > 0 else { return self }
        guard p < 1 else { return try self * Tensor.zeros(shape) }
        let mask = Tensor(shape: shape) { b in
            let keep = 1 / (1 - p)
            for i in 0..<b.count { b[i] = rng.uniform() < p ? 0 : keep }
        }
        return try self * mask
    }
}

