import Foundation

/// Decodes and transforms a dataset into batches on worker threads, with bounded prefetch.
///
/// - Order: sample order `0..<count`, or with `shuffle` a permutation drawn per epoch from
///   (`seed`, epoch); `dropLast` drops a final partial batch.
/// - Randomness: sample `i` of epoch `e` is transformed with `RNG(seed: seed, stream: e * count + i)`,
///   so the same seed gives identical batches whatever `workers` is (0 = on the calling thread).
/// - Prefetch: workers decode + transform samples of at most `prefetch` batches ahead of the one being
///   consumed, writing each view straight into its batch tensor (no second copy).
/// - Shards (data-parallel training, `shard:`): every rank computes the same epoch order (it depends on
///   the seed, not on the number of ranks) and global batches of `batchSize × shard.count`; rank r takes
///   the r-th slice of `batchSize` of each, so the ranks' batches together are exactly one process's
///   batch with the global size. A short last batch (without `dropLast`) is split into equal slices,
///   padded with the epoch's first images as PyTorch's `DistributedSampler` pads.
/// - Errors: an unreadable image makes `nextBatch()` throw its `DataError` (naming the file) and ends the
///   epoch; with `skipBadImages` the sample is left out of its batch instead (the batch is smaller) and
///   recorded in `Epoch.skipped`.
///
/// ```swift
/// let loader = try DataLoader(dataset: ds, transform: try SimCLRViews(inputSize: 32), batchSize: 256,
///                             shuffle: true, dropLast: true, seed: 1, workers: 2)
/// for batch in loader.epoch(0) { let b = try batch.get(); … }             // Result per batch
/// let epoch = loader.epoch(1); while let b = try epoch.nextBatch() { … }  // or throwing
/// ```
public final class DataLoader: @unchecked Sendable {
    public let dataset: any Dataset
    public let transform: any Transform
    public let batchSize: Int
    public let shuffle: Bool
    public let dropLast: Bool
    public let seed: UInt64
    public let workers: Int
    public let prefetch: Int
    public let skipBadImages: Bool
    /// This loader's slice of every global batch: (index, count) = (rank, ranks); (0, 1) = everything.
    public let shard: (index: Int, count: Int)

    public init(dataset: any Dataset, transform: any Transform, batchSize: Int = 256, shuffle: Bool = false,
                dropLast: Bool = false, seed: UInt64 = 0, workers: Int = 2, prefetch: Int = 2,
                skipBadImages: Bool = false, shard: (index: Int, count: Int) = (0, 1)) throws {
        guard shard.count >= 1, (0..<shard.count).contains(shard.index) else {
            throw DataError.invalidArgument(name: "DataLoader", detail: "shard \(shard.index) of \(shard.count) does not exist")
        }
        guard batchSize >= 1 else {
            throw DataError.invalidArgument(name: "DataLoader", detail: "batchSize \(batchSize) must be ≥ 1")
        }
        guard workers >= 0, workers <= 256 else {
            throw DataError.invalidArgument(name: "DataLoader", detail: "workers \(workers) must be in 0...256")
        }
        guard prefetch >= 1 else {
            throw DataError.invalidArgument(name: "DataLoader", detail: "prefetch \(prefetch) must be ≥ 1 batch")
        }
        guard dataset.count > 0 else {
            throw DataError.invalidArgument(name: "DataLoader", detail: "the dataset is empty")
        }
        if dropLast && dataset.count < batchSize * shard.count {
            throw DataError.invalidArgument(
                name: "DataLoader",
                detail: "dropLast with batchSize \(batchSize * shard.count) leaves no batch from \(dataset.count) samples; lower batchSize")
        }
        self.dataset = dataset
        self.transform = transform
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.seed = seed
        self.workers = workers
        self.prefetch = prefetch
        self.skipBadImages = skipBadImages
        self.shard = shard
    }

    /// Number of batches per epoch.
    public var batchesPerEpoch: Int {
        DataLoader.batchesPerEpoch(images: dataset.count, batchSize: batchSize * shard.count, dropLast: dropLast)
    }

    /// Batches of `batchSize` in an epoch of `images` (known before a loader exists, for schedules).
    public static func batchesPerEpoch(images: Int, batchSize: Int, dropLast: Bool) -> Int {
        dropLast ? images / batchSize : (images + batchSize - 1) / batchSize
    }

    /// The sample order of `epoch` (before batching).
    public func order(epoch: Int) -> [Int] {
        guard shuffle else { return Array(0..<dataset.count) }
        var rng = RNG(seed: seed ^ 0x5348_5546_464C_4521, stream: UInt64(truncatingIfNeeded: epoch))
        return rng.permutation(dataset.count)
    }

    /// This shard's samples of `epoch`, batch after batch (see the type's doc): the whole order for one shard.
    public func shardOrder(epoch: Int) -> [Int] {
        let o = order(epoch: epoch), n = shard.count
        let global = batchSize * n, batches = batchesPerEpoch
        guard n > 1 else { return Array(o.prefix(min(o.count, batches * batchSize))) }
        var mine: [Int] = []
        mine.reserveCapacity(batches * batchSize)
        for k in 0..<batches {
            let lo = k * global, hi = min(o.count, lo + global)
            let slice = hi - lo == global ? batchSize : (hi - lo + n - 1) / n
            for j in 0..<slice {
                let p = lo + shard.index * slice + j
                mine.append(p < hi ? o[p] : o[(p - hi) % o.count])
            }
        }
        return mine
    }

    /// The generator that transforms sample `index` in `epoch`.
    public func sampleRNG(epoch: Int, index: Int) -> RNG {
        RNG(seed: seed, stream: UInt64(truncatingIfNeeded: epoch) &* UInt64(dataset.count) &+ UInt64(index))
    }

    /// The batches of `epoch`; start iterating to start the workers.
    public func epoch(_ epoch: Int) -> Epoch {
        Epoch(loader: self, epoch: epoch)
    }

    /// Decodes and transforms one sample exactly as the loader does (for tests and debugging).
    public func views(epoch: Int, index: Int) throws -> Views {
        let img = try dataset.image(at: index)
        var rng = sampleRNG(epoch: epoch, index: index)
        return transform(img, &rng)
    }
}
