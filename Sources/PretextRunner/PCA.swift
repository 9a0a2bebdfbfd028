import Foundation
import PretextTensor

/// Principal component analysis by power iteration with deflation on the covariance matrix (enough
/// for the few components of a 2-D map). Deterministic: the start vectors are seeded and each
/// component's sign is fixed so that its largest-magnitude entry is positive.
public struct PCA {
    /// Per-dimension mean of the fitted data.
    public let mean: [Double]
    /// Unit principal directions, largest variance first (`components[c][d]`).
    public let components: [[Double]]
    /// Variance along each component, and its share of the total variance.
    public let explainedVariance: [Double]
    public let explainedVarianceRatio: [Double]

    /// Fits `count` components to the rows of `x` [N, D].
    public init(fitting x: Tensor, count: Int = 2, seed: UInt64 = 0) throws {
        guard x.rank == 2, x.shape[0] >= 2, count >= 1, count <= x.shape[1] else {
            throw RunError.data("PCA needs [N, D] data with N ≥ 2 and at most D components (got \(x.shape), \(count) components)")
        }
        let n = x.shape[0], d = x.shape[1]
        let p = x.storage.pointer
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += Double(p[i * d + j]) } }
        for j in 0..<d { mean[j] /= Double(n) }
        // Covariance D×D (GEMM on the centred float data, accumulated in double for the deflation).
        let centred = Tensor(shape: [n, d]) { b in for i in 0..<n { for j in 0..<d { b[i * d + j] = p[i * d + j] - Float(mean[j]) } } }
        let cov32 = try noGrad { try centred.transposed().matmul(centred) }
        var cov = cov32.scalars.map { Double($0) / Double(n - 1) }
        let total = (0..<d).reduce(0.0) { $0 + cov[$1 * d + $1] }
        var rng = RNG(seed: seed, stream: 0x9CA)
        var comps: [[Double]] = [], variances: [Double] = []
        for _ in 0..<count {
            var v = (0..<d).map { _ in Double(rng.normal()) }
            var lambda = 0.0
            for _ in 0..<1000 {
                var w = [Double](repeating: 0, count: d)
                for r in 0..<d {
                    var s = 0.0
                    for c in 0..<d { s += cov[r * d + c] * v[c] }
                    w[r] = s
                }
                let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
                guard norm > 1e-300 else { lambda = 0; break }
                w = w.map { $0 / norm }
                let change = zip(w, v).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                v = w
                lambda = norm
                if change < 1e-20 { break }
            }
            if let big = v.indices.max(by: { abs(v[$0]) < abs(v[$1]) }), v[big] < 0 { v = v.map { -$0 } }
            comps.append(v)
            variances.append(lambda)
            for r in 0..<d { for c in 0..<d { cov[r * d + c] -= lambda * v[r] * v[c] } }
        }
        self.mean = mean
        components = comps
        explainedVariance = variances
        explainedVarianceRatio = variances.map { total > 0 ? $0 / total : 0 }
    }

    /// The coordinates of the rows of `x` [N, D] along the components: N rows of `count` values.
    public func transform(_ x: Tensor) -> [[Double]] {
        let n = x.shape[0], d = x.shape[1]
        let p = x.storage.pointer
        return (0..<n).map { i in
            components.map { c in
                var s = 0.0
                for j in 0..<d { s += (Double(p[i * d + j]) - mean[j]) * c[j] }
                return s
            }
        }
    }
}
