import PretextTensor

/// A FIFO queue of past (normalised) embeddings used as extra negatives: MoCo's key queue, and
/// Lightly's `MemoryBankModule` behind `NTXentLoss(memory_bank_size=…)`. Initialised with random unit
/// vectors like Lightly; part of the checkpoint (`state`).
public final class MemoryBank {
    public let size: Int
    public let dim: Int
    /// [size, dim], rows L2-normalised.
    public private(set) var bank: Tensor
    public private(set) var pointer = 0

    public init(size: Int, dim: Int, rng: inout RNG) {
        self.size = size
        self.dim = dim
        let b = Tensor.normal([size, dim], rng: &rng)
        bank = (try? noGrad { try b.l2Normalized(axis: 1) }) ?? b
    }

    /// Enqueues `batch` [B, dim] (detached, normalised), overwriting the oldest entries.
    public func enqueue(_ batch: Tensor) throws {
        let n = try noGrad { try batch.detached().l2Normalized(axis: 1) }
        let b = n.shape[0]
        let src = n.storage.pointer, dst = bank.storage.pointer
        for i in 0..<b {
            (dst + ((pointer + i) % size) * dim).update(from: src + i * dim, count: dim)
        }
        pointer = (pointer + b) % size
    }

    public var state: [String: Tensor] {
        ["bank": bank, "pointer": Tensor(scalar: Float(pointer))]
    }

    public func load(state: [String: Tensor]) throws {
        guard let b = state["bank"], b.shape == bank.shape, let p = state["pointer"] else {
            throw TensorError.invalidArgument(op: "memory bank", detail: "checkpoint holds no queue of shape \(bank.shape)")
        }
        bank.assign(b)
        pointer = Int(p.item)
    }
}
