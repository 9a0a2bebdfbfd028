import PretextCore
import PretextTensor

/// NT-Xent / InfoNCE, as Lightly's `NTXentLoss` (SimCLR, Chen et al. 2020, arXiv:2002.05709;
/// MoCo, He et al. 2019, arXiv:1911.05722).
///
/// Without a memory bank (SimCLR): the 2B embeddings of two views are L2-normalised; each one's positive
/// is its other view and its negatives the other 2B − 2; cross-entropy over cosine similarities / T,
/// averaged over all 2B. With a memory bank of size K (MoCo): for each query, logits are
/// [q·k⁺, q·bank] / T and the positive is index 0. The loss never changes the bank: the method that
/// owns it enqueues the keys in its `afterStep` (see `MemoryBank`), so evaluating the loss twice gives
/// the same value twice.
/// Data-parallel (`mpirun`): with `gatherDistributed` (Lightly's `gather_distributed=True`), the in-batch
/// negatives are every rank's embeddings (`allGathered`, gradients to the local slice), so N ranks with
/// B images each compute exactly one process's 2·N·B-way loss, split by rows.
/// Defaults: temperature 0.5 (Lightly; 0.1–0.2 suit large batches), no memory bank.
public final class NTXentLoss: Loss {
    public let temperature: Float
    public let memoryBank: MemoryBank?
    public let gatherDistributed: Bool

    public init(temperature: Float = 0.5, memoryBank: MemoryBank? = nil, gatherDistributed: Bool = true) {
        self.temperature = temperature
        self.memoryBank = memoryBank
        self.gatherDistributed = gatherDistributed
    }

    /// `inputs` = [view0 embeddings, view1 embeddings] (queries, keys with a memory bank), each [B, D];
    /// the negatives from the memory bank are its current contents.
    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        try self(inputs, negatives: memoryBank?.bank)
    }

    /// As above with explicit negatives [K, D] (rows L2-normalised), e.g. `MemoryBank.enqueued(_:)`;
    /// nil = SimCLR's in-batch negatives.
    public func callAsFunction(_ inputs: [Tensor], negatives: Tensor?) throws -> Tensor {
        guard inputs.count == 2, inputs[0].shape == inputs[1].shape, inputs[0].rank == 2 else {
            throw TensorError.invalidArgument(op: "ntxent", detail: "expects two [B, D] embeddings of the same shape, got \(inputs.map(\.shape))")
        }
        let z0 = try inputs[0].l2Normalized(axis: 1), z1 = try inputs[1].l2Normalized(axis: 1)
        let b = z0.shape[0]
        if let bank = negatives {
            let positive = try (z0 * z1).sum(axes: [1], keepDims: true)
            let similarities = try z0.linear(weight: bank, bias: nil)      // z0 · bankᵀ
            let logits = try Tensor.cat([positive, similarities], axis: 1) * (1 / temperature)
            return try logits.crossEntropy(labels: [Int](repeating: 0, count: b))
        }
        if gatherDistributed && ProcessGroup.world.isDistributed {
            return try gatheredLoss(z0, z1, group: .world)
        }
        let z = try Tensor.cat([z0, z1], axis: 0)
        let sim = try z.linear(weight: z, bias: nil) * (1 / temperature)     // [2B, 2B]
        // Remove self-similarity by pushing the diagonal to −∞ (its softmax weight and gradient are 0).
        let mask = Tensor(shape: [2 * b, 2 * b]) { m in
            m.update(repeating: 0)
            for i in 0..<(2 * b) { m[i * 2 * b + i] = -1e9 }
        }
        let labels = (0..<(2 * b)).map { ($0 + b) % (2 * b) }
        return try (sim + mask).crossEntropy(labels: labels)
    }

    /// This rank's rows of the loss over every rank's batch: queries are the local 2B embeddings, keys
    /// all 2·N·B (view 0 of every rank, then view 1 of every rank, as Lightly's gathered logits).
    private func gatheredLoss(_ z0: Tensor, _ z1: Tensor, group: ProcessGroup) throws -> Tensor {
        let b = z0.shape[0], nb = b * group.size, offset = group.rank * b
        let keys = try Tensor.cat([z0.allGathered(group), z1.allGathered(group)], axis: 0)   // [2NB, D]
        let queries = try Tensor.cat([z0, z1], axis: 0)                                       // [2B, D]
        let sim = try queries.linear(weight: keys, bias: nil) * (1 / temperature)            // [2B, 2NB]
        let mask = Tensor(shape: [2 * b, 2 * nb]) { m in
            m.update(repeating: 0)
            for i in 0..<b {
                m[i * 2 * nb + offset + i] = -1e9
                m[(b + i) * 2 * nb + nb + offset + i] = -1e9
            }
        }
        let labels = (0..<b).map { nb + offset + $0 } + (0..<b).map { offset + $0 }
        return try (sim + mask).crossEntropy(labels: labels)
    }
}
