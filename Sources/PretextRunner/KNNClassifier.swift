import PretextTensor

/// Weighted k-nearest-neighbour classification of feature vectors, as Lightly's `knn_predict` and
/// InstDisc (Wu et al. 2018): cosine similarity to every training feature, the k most similar vote
/// for their class with weight exp(similarity / T); top-1 and top-5 accuracy.
public struct KNNClassifier {
    public let k: Int
    public let temperature: Float

    public init(k: Int = 200, temperature: Float = 0.1) {
        self.k = k
        self.temperature = temperature
    }

    public struct Result: Equatable {
        public var top1: Double
        public var top5: Double
        public var predictions: [Int]
    }

    /// `train` [N, D] and `test` [M, D] must already be L2-normalised (rows).
    public func evaluate(train: Tensor, trainLabels: [Int], test: Tensor, testLabels: [Int], classes: Int) throws -> Result {
        guard train.rank == 2, test.rank == 2, train.shape[1] == test.shape[1] else {
            throw TensorError.shapeMismatch(op: "knn", lhs: train.shape, rhs: test.shape, detail: "features must be [N, D] and [M, D]")
        }
        let n = train.shape[0], m = test.shape[0], kk = Swift.min(k, n)
        let sim = try noGrad { try test.linear(weight: train, bias: nil) }     // [M, N]
        var correct1 = 0, correct5 = 0
        var predictions = [Int](repeating: 0, count: m)
        let sp = sim.storage.pointer
        var idx = [Int](repeating: 0, count: n)
        var scores = [Double](repeating: 0, count: classes)
        for i in 0..<m {
            let row = sp + i * n
            for j in 0..<n { idx[j] = j }
            // Partial selection of the k most similar (ties broken by index, as a stable sort would).
            let top = idx.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(kk)
            for c in 0..<classes { scores[c] = 0 }
            for j in top { scores[trainLabels[j]] += Double(_expf(row[j] / temperature)) }
            let ranked = (0..<classes).sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
            predictions[i] = ranked[0]
            if ranked[0] == testLabels[i] { correct1 += 1 }
            if ranked.prefix(5).contains(testLabels[i]) { correct5 += 1 }
        }
        return Result(top1: Double(correct1) / Double(Swift.max(m, 1)), top5: Double(correct5) / Double(Swift.max(m, 1)),
                      predictions: predictions)
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _expf(_ x: Float) -> Float { Glibc.expf(x) }
#endif
