import PretextCore
import PretextTensor

/// SwaV's swapped-prediction loss (Caron et al. 2020, "Unsupervised Learning of Visual Features by
/// Contrasting Cluster Assignments", arXiv:2006.09882), as Lightly 1.6's `SwaVLoss`.
///
/// Inputs are prototype scores [B, K] per crop (L2-normalised projections times the L2-normalised
/// prototypes). Every high-resolution crop i assigns codes q_i = `Sinkhorn.codes` of its own scores
/// (no gradient; with a queue, the scores of the queued projections of that crop are appended below
/// the batch for the Sinkhorn step and their codes dropped after it). Every other crop v — high or low
/// resolution — predicts q_i: ℓ(v, i) = −(1/B) Σ_b Σ_k q_i · log softmax(s_v / τ). The loss averages
/// over the (n − 1) predicting crops of each code and over the H coding crops:
/// L = (1/H) Σ_i (1/(n − 1)) Σ_{v ≠ i} ℓ(v, i), n = H + low-resolution crops.
///
/// Defaults as Lightly: temperature τ 0.1, 3 Sinkhorn iterations, ε 0.05. No side effects: the method
/// that owns a queue updates it after the step.
public final class SwaVLoss: Loss {
    public let temperature: Float
    public let sinkhornIterations: Int
    public let sinkhornEpsilon: Float
    /// For the protocol's flat input list: how many of the inputs are high-resolution crops (the first ones).
    public var highResolutionViews = 2
    /// Under mpirun: codes and predictions over every rank's batch (`DistributedBatch`; Lightly's
    /// Sinkhorn all-reduces its sums for the same effect).
    public var gatherDistributed = true

    public init(temperature: Float = 0.1, sinkhornIterations: Int = 3, sinkhornEpsilon: Float = 0.05) throws {
        guard temperature > 0, sinkhornIterations >= 0, sinkhornEpsilon > 0 else {
            throw TensorError.invalidArgument(op: "swav_loss", detail: "needs temperature > 0, sinkhorn_iterations ≥ 0 and sinkhorn_epsilon > 0 (got \(temperature), \(sinkhornIterations), \(sinkhornEpsilon))")
        }
        self.temperature = temperature
        self.sinkhornIterations = sinkhornIterations
        self.sinkhornEpsilon = sinkhornEpsilon
    }

    /// `inputs` = the first `highResolutionViews` high-resolution crops' scores, then the low-resolution ones.
    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        try self(highResolution: Array(inputs.prefix(highResolutionViews)), lowResolution: Array(inputs.dropFirst(highResolutionViews)))
    }

    /// The loss for the high- and low-resolution crops' scores (each [B, K]) and, optionally, one queue
    /// of past scores [Q, K] per high-resolution crop (only read, never differentiated).
    public func callAsFunction(highResolution highLocal: [Tensor], lowResolution lowLocal: [Tensor], queue: [Tensor]? = nil) throws -> Tensor {
        let high = try DistributedBatch.gathered(highLocal, enabled: gatherDistributed)
        let low = try DistributedBatch.gathered(lowLocal, enabled: gatherDistributed)
        let (b, k) = try checkShapes(high: high, low: low, queue: queue)
        let crops = high + low, n = crops.count, h = high.count
        let codes = try high.indices.map { i in try code(high[i], queue: queue?[i], batch: b) }
        // W_v = Σ_{i ≠ v} q_i over the coding crops, so that Σ_i Σ_{v≠i} q_i·log p_v = Σ_v W_v·log p_v.
        let weights = Tensor(shape: [n * b, k]) { w in
            w.initialize(repeating: 0)
            for v in 0..<n {
                for (i, q) in codes.enumerated() where i != v {
                    let src = q.storage.pointer, base = v * b * k
                    for e in 0..<(b * k) { w[base + e] += src[e] }
                }
            }
        }
        let logP = try (Tensor.cat(crops, axis: 0) * (1 / temperature)).logSoftmax(axis: -1)   // [n·B, K]
        return try (weights * logP).sum() * (-1 / Float(h * (n - 1) * b))
    }

    /// The codes of one high-resolution crop: Sinkhorn over its scores with the queue's appended, batch rows kept.
    func code(_ scores: Tensor, queue: Tensor?, batch b: Int) throws -> Tensor {
        let all = try noGrad { () -> Tensor in
            guard let queue else { return scores.detached() }
            return try Tensor.cat([scores.detached(), queue.detached()], axis: 0)
        }
        let q = try Sinkhorn.codes(all, iterations: sinkhornIterations, epsilon: sinkhornEpsilon)
        return queue == nil ? q : Tensor(shape: [b, q.shape[1]], scalars: Array(q.scalars.prefix(b * q.shape[1])))
    }

    /// (batch, prototypes) after checking every crop is [B, K] and the queues are one [Q, K] per high-resolution crop.
    func checkShapes(high: [Tensor], low: [Tensor], queue: [Tensor]?) throws -> (Int, Int) {
        guard let first = high.first, first.rank == 2 else {
            throw TensorError.invalidArgument(op: "swav_loss", detail: "needs at least one high-resolution crop's scores [batch, prototypes]")
        }
        guard high.count + low.count >= 2 else {
            throw TensorError.invalidArgument(op: "swav_loss", detail: "needs at least two crops in total (a code is predicted from the other crops), got \(high.count + low.count)")
        }
        let b = first.shape[0], k = first.shape[1]
        for x in high + low where x.shape != [b, k] {
            throw TensorError.invalidArgument(op: "swav_loss", detail: "every crop's scores must be [\(b), \(k)] (batch, prototypes), got \(x.shape)")
        }
        if let queue {
            guard queue.count == high.count else {
                throw TensorError.invalidArgument(op: "swav_loss", detail: "needs one queue per high-resolution crop (\(high.count)), got \(queue.count)")
            }
            for q in queue where q.rank != 2 || q.shape[1] != k {
                throw TensorError.invalidArgument(op: "swav_loss", detail: "queue scores must be [queue length, \(k)], got \(q.shape)")
            }
        }
        return (b, k)
    }
}
