import PretextTensor

/// A FIFO queue of past (normalised) embeddings used as extra negatives: MoCo's key queue, and
/// Lightly's `MemoryBankModule` behind `NTXentLoss(memory_bank_size=…)`. Initialised with random unit
/// vectors like Lightly; part of the checkpoint (`state`). Losses only read it (`bank`, `enqueued`); the
/// method that owns it enqueues in its `afterStep`, once the step's backward pass no longer needs the
/// negatives it was scored against (Lightly clones the bank for the same reason).
public final class MemoryBank {
    public let size: Int
    public let dim: Int
    /// [size, dim], rows L2-normalised.
    public private(set) var bank: Tensor
    public private(set) var pointer = 0
    /// Data-parallel: every rank's batch is enqueued, in rank order (Lightly's `gather_distributed`), so
    /// the queues of all ranks stay identical to one process's.
    public var gatherDistributed = true

    public init(size: Int, dim: Int, rng: inout RNG) {
        self.size = size
        self.dim = dim
        let b = Tensor.normal([size, dim], rng: &rng)
        bank = (try? noGrad { try b.l2Normalized(axis: 1) }) ?? b
    }

    /// Enqueues `batch` [B, dim] (detached, normalised), overwriting the oldest entries.
    public func enqueue(_ batch: Tensor) throws {
        pointer = try write(batch, into: bank)
    }

    /// The queue as it would be after `enqueue(batch)`, as a new tensor; the bank itself is unchanged.
    /// (MoCo's symmetric loss scores its second view against the queue that already holds the first
    /// view's keys, as Lightly's two criterion calls do.)
    public func enqueued(_ batch: Tensor) throws -> Tensor {
        let copy = Tensor(shape: bank.shape) { $0.baseAddress!.update(from: bank.storage.pointer, count: bank.count) }
        _ = try write(batch, into: copy)
        return copy
    }

    /// Writes `batch`'s normalised rows into `target` from `pointer` on; returns the next pointer.
    private func write(_ batch: Tensor, into target: Tensor) throws -> Int {
        guard batch.rank == 2, batch.shape[1] == dim else {
            throw TensorError.invalidArgument(op: "memory bank", detail: "enqueues [B, \(dim)] embeddings, got \(batch.shape): is method.memory_bank_dim the projection's output_dim?")
        }
        let n = try noGrad {
            let rows = try batch.detached().l2Normalized(axis: 1)
            return gatherDistributed ? try rows.allGathered() : rows
        }
        let b = n.shape[0]
        let src = n.storage.pointer, dst = target.storage.pointer
        for i in 0..<b {
            (dst + ((pointer + i) % size) * dim).update(from: src + i * dim, count: dim)
        }
        return (pointer + b) % size
    }

    public var state: [String: Tensor] {
        ["bank": bank, "pointer": Tensor(scalar: Float(pointer))]
    }

    /// The state under checkpoint keys `prefix.bank`, `prefix.pointer` (a method's `extraState`).
    public func state(prefix: String) -> [String: Tensor] {
        state.reduce(into: [:]) { $0[prefix + "." + $1.key] = $1.value }
    }

    /// Loads what `state(prefix:)` wrote, from a method's extra state that may hold other keys too.
    public func load(from extraState: [String: Tensor], prefix: String) throws {
        var own: [String: Tensor] = [:]
        for (k, v) in extraState where k.hasPrefix(prefix + ".") { own[String(k.dropFirst(prefix.count + 1))] = v }
        try load(state: own)
    }

    public func load(state: [String: Tensor]) throws {
        guard let b = state["bank"], b.shape == bank.shape, let p = state["pointer"] else {
            throw TensorError.invalidArgument(op: "memory bank", detail: "checkpoint holds no queue of shape \(bank.shape)")
        }
        let at = p.item
        guard at.isFinite, at >= 0, at < Float(size), at == at.rounded() else {
            throw TensorError.invalidArgument(op: "memory bank", detail: "the checkpoint's queue pointer \(at) is not a row of a queue of \(size): the checkpoint is damaged")
        }
        bank.assign(b)
        pointer = Int(at)
    }
}
