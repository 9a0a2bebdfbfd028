import Foundation
import PretextTensor

/// The Sinkhorn-Knopp step of SwaV (Caron, Misra, Mairal, Goyal, Bojanowski, Joulin 2020, "Unsupervised
/// Learning of Visual Features by Contrasting Cluster Assignments", arXiv:2006.09882, Algorithm 1), as
/// Lightly 1.6's `sinkhorn` (`lightly/loss/swav_loss.py`): soft codes that assign a batch of samples to
/// the prototypes under an equipartition constraint.
///
/// With scores S [B, K] (sample · prototype similarities): Q = exp(S / ε)ᵀ [K, B], Q /= ΣQ; then
/// `iterations` times: every prototype's row is divided by its sum, every sample's column by its sum
/// and by B; finally Q is multiplied by B and transposed back, so each sample's codes sum to 1.
/// Defaults as Lightly: 3 iterations, ε = 0.05. No gradient: the result is a constant target.
///
/// The largest score is subtracted before the exponential (ΣQ divides any constant factor out, so the
/// codes are unchanged) and sums run in double precision: scores / ε beyond float's exp range (88)
/// still give codes where Lightly's float32 `exp` would give infinities (and NaN codes); a prototype
/// whose every score underflows gets codes 0.
public enum Sinkhorn {
    /// The codes [B, K] of `scores` [B, K] (any gradient is ignored).
    public static func codes(_ scores: Tensor, iterations: Int = 3, epsilon: Float = 0.05) throws -> Tensor {
        guard scores.rank == 2, scores.shape[0] > 0, scores.shape[1] > 0 else {
            throw TensorError.invalidArgument(op: "sinkhorn", detail: "expects scores [samples, prototypes], got \(scores.shape)")
        }
        guard iterations >= 0, epsilon > 0 else {
            throw TensorError.invalidArgument(op: "sinkhorn", detail: "needs iterations ≥ 0 and ε > 0, got \(iterations) and \(epsilon)")
        }
        let b = scores.shape[0], k = scores.shape[1]
        let s = scores.detached().scalars
        guard let top = s.max(), top.isFinite else {
            throw TensorError.invalidArgument(op: "sinkhorn", detail: "scores are not finite")
        }
        var q = s.map { Foundation.exp(Double($0 - top) / Double(epsilon)) }   // [B, K] = Qᵀ
        let total = q.reduce(0, +)
        for i in q.indices { q[i] /= total }
        for _ in 0..<iterations {
            normalisePrototypes(&q, b: b, k: k)
            normaliseSamples(&q, b: b, k: k)
        }
        return Tensor(shape: [b, k], scalars: q.map { Float($0 * Double(b)) })
    }

    /// Each prototype's (column's) codes divided by their sum over the samples (a prototype whose
    /// scores all underflowed keeps its zeros instead of becoming 0/0).
    private static func normalisePrototypes(_ q: inout [Double], b: Int, k: Int) {
        var sums = [Double](repeating: 0, count: k)
        for r in 0..<b { for c in 0..<k { sums[c] += q[r * k + c] } }
        let inverse = sums.map { $0 > 0 ? 1 / $0 : 0 }
        for r in 0..<b { for c in 0..<k { q[r * k + c] *= inverse[c] } }
    }

    /// Each sample's (row's) codes divided by their sum over the prototypes and by the sample count.
    private static func normaliseSamples(_ q: inout [Double], b: Int, k: Int) {
        for r in 0..<b {
            var sum = 0.0
            for c in 0..<k { sum += q[r * k + c] }
            let scale = 1 / (sum * Double(b))
            for c in 0..<k { q[r * k + c] *= scale }
        }
    }
}
