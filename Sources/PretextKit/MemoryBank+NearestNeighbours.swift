import PretextTensor

extension MemoryBank {
    /// The support-set lookup of NNCLR (Dwibedi et al. 2021, arXiv:2104.14548; Lightly's
    /// `NNMemoryBankModule`): for each row of `queries` [B, dim], the stored embedding with the highest
    /// cosine similarity, as a constant [B, dim] (no gradient flows into the support set; rows are
    /// unit length, which the contrastive loss that follows normalises anyway). The bank is unchanged:
    /// the method enqueues the step's embeddings in `afterStep`, as Lightly looks up before updating.
    public func nearestNeighbours(of queries: Tensor) throws -> Tensor {
        guard queries.rank == 2, queries.shape[1] == dim else {
            throw TensorError.invalidArgument(op: "nearest neighbours", detail: "looks up [B, \(dim)] embeddings, got \(queries.shape)")
        }
        return try noGrad {
            let q = try queries.detached().l2Normalized(axis: 1)
            let similarity = try q.linear(weight: bank, bias: nil)                  // [B, size]
            let rows = queries.shape[0]
            let sim = similarity.storage.pointer, stored = bank.storage.pointer
            var out = [Float](repeating: 0, count: rows * dim)
            for i in 0..<rows {
                var best = 0                                   // the first of equal maxima, as torch.argmax
                for j in 1..<size where sim[i * size + j] > sim[i * size + best] { best = j }
                for k in 0..<dim { out[i * dim + k] = stored[best * dim + k] }
            }
            return Tensor(shape: [rows, dim], scalars: out)
        }
    }
}
