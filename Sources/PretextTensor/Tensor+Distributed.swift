/// Collectives on tensors, for losses that need the whole batch of a data-parallel job (the kit's
/// `allGather` / `allReduce`; a single process gets the identity).
extension Tensor {
    /// Every rank's tensor (the same shape on each) concatenated along axis 0 in rank order, with the
    /// gradient flowing back to this rank's slice: the gradients that every rank computes for this
    /// slice are summed (Lightly's `GatherLayer`), so contrastive negatives from other ranks train this
    /// rank's encoder exactly as one process with the whole batch would.
    public func allGathered(_ group: ProcessGroup = .world) throws -> Tensor {
        guard group.isDistributed else { return self }
        guard rank >= 1 else {
            throw TensorError.invalidArgument(op: "all_gather", detail: "needs at least one axis, got a scalar")
        }
        let out = Tensor(uninitialized: [shape[0] * group.size] + shape.dropFirst())
        group.allGather(UnsafeBufferPointer(storage.buffer), into: out.storage.buffer)
        let n = count
        return Tensor.record(out, "all_gather", [self]) { g in
            let summed = Tensor(shape: g.shape) { b in _ = b.initialize(from: g.storage.buffer) }
            group.allReduceSum(summed.storage.buffer)
            let offset = group.rank * n
            return [Tensor(shape: self.shape) { b in
                b.baseAddress!.update(from: summed.storage.pointer + offset, count: n)
            }]
        }
    }

    /// The element-wise mean of this tensor over the ranks (no gradient: for statistics such as DINO's
    /// centre, which every rank must update identically).
    public func allReducedMean(_ group: ProcessGroup = .world) -> Tensor {
        guard group.isDistributed else { return self }
        let out = Tensor(shape: shape) { b in _ = b.initialize(from: storage.buffer) }
        group.allReduceSum(out.storage.buffer)
        let k = 1 / Float(group.size)
        for i in 0..<out.count { out.storage.pointer[i] *= k }
        return out
    }
}
