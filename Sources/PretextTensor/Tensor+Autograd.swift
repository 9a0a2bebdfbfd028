/// Define-by-run autograd: ops call `record` on their result; `backward()` walks the tape once in
/// reverse topological order, summing gradients where a tensor feeds several ops.
extension Tensor {
    /// Called during `backward()` with each leaf the moment its `grad` is final for that call: the walk
    /// is in reverse topological order, so a leaf comes after every op that uses it. Data-parallel
    /// training starts a bucket's all-reduce as soon as all its gradients are in, while backward goes on.
    public nonisolated(unsafe) static var leafGradientReady: ((Tensor) -> Void)?

    /// True for tensors created by the user (parameters, inputs), false for results of recorded ops.
    public var isLeaf: Bool { !wasRecorded }

    /// Attaches the backward closure of an op to its result, when grad mode is on and an input needs it.
    @inline(__always)
    static func record(_ result: Tensor, _ op: String, _ inputs: [Tensor],
                       _ backward: @escaping (Tensor) throws -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled else { return result }
        var needs = false
        for t in inputs where t.requiresGrad { needs = true; break }
        guard needs else { return result }
        result.requiresGrad = true
        result.wasRecorded = true
        result.gradNode = GradNode(op: op, inputs: inputs, backward: backward)
        return result
    }

    /// Computes gradients of this tensor with respect to every leaf that requires them, adding them to
    /// the leaves' `grad`. `gradient` defaults to 1 for a one-element tensor. The tape is freed unless
    /// `retainGraph` is set.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false) throws {
        guard requiresGrad else {
            throw TensorError.noGradient(detail: "this tensor does not require a gradient (no input of its graph has requiresGrad = true)")
        }
        let seed: Tensor
        if let g = gradient {
            guard g.shape == shape else {
                throw TensorError.shapeMismatch(op: "backward", lhs: shape, rhs: g.shape, detail: "the gradient must have the tensor's shape")
            }
            seed = g
        } else {
            guard count == 1 else {
                throw TensorError.noGradient(detail: "backward() without a gradient needs a one-element tensor, this one has shape \(shape)")
            }
            seed = Tensor.ones(shape)
        }
        try noGrad {
            let order = topologicalOrder()
            var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
            for t in order.reversed() {
                let id = ObjectIdentifier(t)
                guard let g = grads.removeValue(forKey: id) else { continue }
                if let node = t.gradNode {
                    let inputGrads = try node.backward(g)
                    for (input, ig) in zip(node.inputs, inputGrads) {
                        guard input.requiresGrad, let ig else { continue }
                        let key = ObjectIdentifier(input)
                        if let existing = grads[key] {
                            grads[key] = try existing + ig
                        } else {
                            grads[key] = ig
                        }
                    }
                    if !retainGraph { t.gradNode = nil }
                } else if t.wasRecorded {
                    throw TensorError.noGradient(detail: "the graph through this tensor was already freed by an earlier backward(); pass retainGraph: true to the first call")
                } else {
                    t.accumulateGrad(g)
                    Tensor.leafGradientReady?(t)
                }
            }
        }
    }

    /// Adds `g` into `grad` (copying on first use so gradients never alias another tensor's storage).
    func accumulateGrad(_ g: Tensor) {
        if let existing = grad {
            let n = existing.count
            let dst = existing.storage.pointer, src = g.storage.pointer
            for i in 0..<n { dst[i] += src[i] }
        } else {
            grad = g.copy()
            if g.shape != shape { grad = Tensor(shape: shape, storage: grad!.storage) }
        }
    }

    /// Tensors of this graph in topological order (inputs before outputs), iteratively (deep graphs).
    func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            let id = ObjectIdentifier(t)
            if visited.contains(id) { continue }
            visited.insert(id)
            stack.append((t, true))
            if let node = t.gradNode {
                for input in node.inputs where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                    stack.append((input, false))
                }
            }
        }
        return order
    }

    /// The same values, cut from the graph (shares storage).
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage)
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }

    /// Marks this tensor as a leaf that receives gradients (returns self, for chaining).
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        requiresGrad = flag
        return self
    }
}
