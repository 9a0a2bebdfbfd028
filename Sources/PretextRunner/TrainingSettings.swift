import PretextCore

/// The loop's settings from the `train` and `data` sections, each read once through a getter that
/// states its type, default, range and doc (so `config.yaml` and `ssl-run defaults` show them).
public struct TrainingSettings {
    public var epochs: Int, seed: UInt64, accumulate: Int, logEvery: Int, stopAfter: Int
    public var clipGrad: Float, keepEpochCheckpoints: Bool, demo: Bool, syncBatchNorm: Bool, bucketMB: Float
    public var dataPath: String?, batchSize: Int, workers: Int, prefetch: Int, dropLast: Bool, skipBad: Bool
    public var syntheticCount: Int, syntheticSize: Int

    public init(train: ConfigSection, data: ConfigSection) throws {
        epochs = try train.int("epochs", 10, "passes over the data", range: 1...1_000_000)
        seed = UInt64(try train.int("seed", 0, "seed for weights, augmentations and shuffling", range: 0...Int.max))
        accumulate = try train.int("accumulate", 1, "batches per optimizer step (gradient accumulation)", range: 1...65_536)
        logEvery = try train.int("log_every", 10, "steps between metrics.jsonl records", range: 1...Int.max)
        stopAfter = try train.int("stop_after", 0, "stop (with a checkpoint) after this many epochs, keeping the full schedule; resume later (0 = run all)", range: 0...Int.max)
        clipGrad = try train.float("clip_grad", 0, "clip the global gradient norm to this (0 = off)")
        demo = try train.bool("demo", false, "the run is the two-minute demo (set when no data is given): it ends with kNN before/after and the way to the full recipe")
        syncBatchNorm = try train.bool("sync_bn", false, "under mpirun: batch-norm statistics over every rank's batch (PyTorch SyncBatchNorm); false = each rank's own batch, as DDP")
        bucketMB = try train.float("bucket_mb", 4, "under mpirun: megabytes of gradients per all-reduce bucket; a bucket's sum starts during backward as soon as it is full (PyTorch DDP's bucket_cap_mb)", greaterThan: 0, atMost: 4096)
        keepEpochCheckpoints = try train.bool("keep_epoch_checkpoints", true, "also keep weights of every epoch")
        dataPath = try data.optionalString("path", "image folder (class sub-folders or flat); none = built-in synthetic shapes")
        batchSize = try data.int("batch_size", 128, "images per batch (at least 2: batch statistics and contrastive losses need pairs)", range: 2...1_000_000)
        workers = try data.int("workers", 2, "loader threads", range: 0...1024)
        prefetch = try data.int("prefetch", 4, "batches prepared ahead", range: 1...1024)
        dropLast = try data.bool("drop_last", true, "drop the last incomplete batch")
        skipBad = try data.bool("skip_bad_images", false, "skip unreadable images instead of stopping")
        syntheticCount = try data.int("synthetic_count", 2000, "images of the built-in synthetic dataset", range: 2...10_000_000)
        syntheticSize = try data.int("synthetic_size", 32, "side of the synthetic images", range: 8...4096)
    }
}
