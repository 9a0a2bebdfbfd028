import Foundation
import PretextCore
import PretextData
import PretextTensor

/// Backbone features of a labelled image folder, for kNN, linear probes and embeddings: images through
/// the evaluation transform (no augmentation; resize + centre crop when `inputSize` differs from the
/// images, the run's normalisation), the backbone in evaluation mode without gradients, L2-normalised.
public struct FeatureExtractor {
    public let inputSize: Int?
    public let mean: [Float]
    public let std: [Float]
    public let batchSize: Int
    public let workers: Int

    public init(inputSize: Int? = nil, mean: [Float] = Normalize.imageNet.mean, std: [Float] = Normalize.imageNet.std,
                batchSize: Int = 256, workers: Int = 2) {
        self.inputSize = inputSize
        self.mean = mean
        self.std = std
        self.batchSize = batchSize
        self.workers = workers
    }

    public struct Features {
        public var features: Tensor      // [N, D], rows L2-normalised
        public var labels: [Int]
        public var names: [String]
        public var classNames: [String]
        /// Images left out because they could not be read (`skipBadImages`), with why.
        public var skipped: [(index: Int, error: DataError)] = []
    }

    /// With `skipBadImages`, unreadable images are left out of the features (and `names`, `labels`)
    /// and listed in `skipped`; without, the first one is an error naming it. With a `group` of several
    /// ranks (mpirun), the ranks extract in shards and each gets every feature (`extractSharded`).
    public func extract(_ backbone: any Backbone, dataset: any Dataset, normalizeRows: Bool = true,
                        skipBadImages: Bool = false, group: ProcessGroup? = nil) throws -> Features {
        if let group, group.isDistributed, !skipBadImages, dataset.count >= group.size {
            return try extractSharded(backbone, dataset: dataset, normalizeRows: normalizeRows, group: group)
        }
        let transform = try SingleView.evaluation(resize: inputSize, centerCrop: inputSize,
                                                  normalize: try Normalize(mean: mean, std: std))
        let loader = try DataLoader(dataset: dataset, transform: transform, batchSize: batchSize, shuffle: false,
                                    dropLast: false, seed: 0, workers: workers, prefetch: 2, skipBadImages: skipBadImages)
        let wasTraining = backbone.isTraining
        backbone.eval()
        defer { backbone.train(wasTraining) }
        var chunks: [Tensor] = []
        var labels: [Int] = [], names: [String] = []
        let epoch = loader.epoch(0)
        while let batch = try epoch.nextBatch() {
            let f = try noGrad { try backbone(batch.views[0]) }
            chunks.append(normalizeRows ? try noGrad { try f.l2Normalized(axis: 1) } : f)
            labels += batch.labels.map { $0 ?? -1 }
            names += batch.indices.map { dataset.name(at: $0) }
        }
        if chunks.isEmpty, let first = epoch.skipped.first { throw first.error }   // not one image was readable
        let all = try noGrad { try Tensor.cat(chunks, axis: 0) }
        return Features(features: all, labels: labels, names: names, classNames: dataset.classNames, skipped: epoch.skipped)
    }

    /// Under mpirun: each rank extracts its contiguous part of `dataset` and every rank gets all the
    /// features, in dataset order (the same `Features` as `extract` in one process, N times faster).
    func extractSharded(_ backbone: any Backbone, dataset: any Dataset, normalizeRows: Bool, group: ProcessGroup) throws -> Features {
        let n = dataset.count, size = group.size
        let per = (n + size - 1) / size, lo = min(n, group.rank * per), hi = min(n, lo + per)
        let part: Features? = hi > lo ? try extract(backbone, dataset: DatasetSlice(dataset, lo..<hi), normalizeRows: normalizeRows) : nil
        // Ranks agree on the feature width first (a rank with an empty part has none of its own).
        let dim = Int(group.allReduceMax([Double(part?.features.shape[1] ?? 0)])[0])
        let features = group.allGatherVariable(part?.features.scalars ?? [])
        let labels = group.allGatherVariable((part?.labels ?? []).map(Float.init)).map { Int($0) }
        guard features.count == n * dim, labels.count == n else {
            throw RunError.data("gathering the features of \(n) images from \(size) ranks gave \(labels.count) rows")
        }
        return Features(features: Tensor(shape: [n, dim], scalars: features), labels: labels,
                        names: (0..<n).map(dataset.name), classNames: dataset.classNames)
    }
}
