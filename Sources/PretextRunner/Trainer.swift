import Foundation
import PretextCore
import PretextData
import PretextKit
import PretextNN
import PretextTensor

/// Runs one pretraining run: `prepare` reads the configuration and builds everything (or restores it
/// from the last checkpoint), then `TrainingLoop` trains epoch by epoch in the phases its doc comment
/// lists: momentum targets → the method's step → backward → optimizer step → the method's afterStep →
/// log; at the end of each epoch evaluate, observe metric-driven schedules, checkpoint.
public final class Trainer {
    public let spec: RunSpec
    public let registry: Registry
    public let outDir: URL
    public let resume: Bool
    public var reporter: ProgressReporter
    /// Called after each epoch with the method and the epoch (online evaluation, plots); returns metrics to log.
    public var epochHook: ((any Method, Int) throws -> [String: Double])?
    /// Called with the run folder and the epoch once the epoch's record is in metrics.jsonl. Default:
    /// redraws `loss.png`, `lr.png` and `knn.png` (`PlotMetrics`); an error is a warning, never a stop.
    public var afterEpochHook: ((URL, Int) throws -> Void)? = { dir, _ in try PlotMetrics.writeRunPlots(runDir: dir) }

    /// The plugins (not built in) this run uses, recorded in the run folder so later commands load them.
    public var plugins = RunPlugins(plugins: [])

    public private(set) var method: (any Method)?
    /// Held from `prepare` until the trainer is released: one process trains into a folder at a time.
    private var folderLock: RunFolderLock?
    public private(set) var summary = TrainSummary()

    public init(spec: RunSpec, registry: Registry = .shared, outDir: URL, resume: Bool = false, quiet: Bool = false) {
        self.spec = spec
        self.registry = registry
        self.outDir = outDir
        self.resume = resume
        // Ranks other than 0 of a data-parallel job train silently: rank 0 reports for the job.
        self.reporter = ProgressReporter(quiet: quiet || !ProcessGroup.world.isMain)
    }

    public func run() throws -> TrainSummary {
        let (loop, start) = try prepare()
        if let hook = epochHook, loop.config.evaluation.atStart, !resume { try loop.evaluateBaseline(hook) }
        let settings = loop.settings
        var skip = start.batchInEpoch, carried = start.carried
        for epoch in start.epoch..<settings.epochs {
            let started = Date()
            let totals = try loop.trainEpoch(epoch, skip: skip, carried: carried)
            skip = 0
            carried = EpochTotals()
            _ = try loop.finishEpoch(epoch, totals, started: started, evaluate: epochHook, afterEpoch: afterEpochHook,
                                     runDirectory: outDir)
            summary.finalLoss = totals.meanLoss
            summary.epochLosses.append(totals.meanLoss)
            if settings.stopAfter > 0 && epoch + 1 >= settings.stopAfter && epoch + 1 < settings.epochs {
                reporter.message("stopping after epoch \(epoch + 1) of \(settings.epochs) (train.stop_after); continue with: ssl-run --resume \(outDir.path)")
                summary.stoppedEarly = true
                break
            }
        }
        summary.steps = loop.step
        summary.seconds = Date().timeIntervalSince(loop.runStart)
        summary.imagesPerSecond = summary.seconds > 0
            ? Double(loop.stepsThisRun * settings.batchSize * settings.accumulate) / summary.seconds : 0
        return summary
    }

    /// Where a run starts: epochs done, and batches of the next epoch already trained on.
    struct StartPosition {
        var epoch = 0, step = 0, batchInEpoch = 0
        /// The losses of the batches of `epoch` trained before the checkpoint.
        var carried = EpochTotals()
    }

    /// Reads the configuration, opens the data, builds the method and optimizer, writes `config.yaml`,
    /// and restores the last checkpoint when resuming.
    ///
    /// Data-parallel (`ProcessGroup.world` of N ranks): rank 0 alone creates, locks and writes the run
    /// folder (and repairs an interrupted checkpoint write); the other ranks wait for it, then restore
    /// the same checkpoint read-only, and each loads its shard of every global batch of `data.batch_size`.
    func prepare() throws -> (TrainingLoop, StartPosition) {
        let group = ProcessGroup.world, isMain = group.isMain
        let (config, dataset) = try configure(group)
        method = config.method
        if isMain { try openRunFolder() }
        let checkpoints = RunCheckpoints(runDirectory: outDir, config: config, resuming: resume)
        checkpoints.writes = isMain
        let metricsURL = outDir.appendingPathComponent("metrics.jsonl")
        if !isMain { group.barrier() }   // rank 0 has checked, repaired and written the folder
        let start = try restoreOrStart(config, checkpoints: checkpoints, metricsURL: metricsURL)
        if isMain {
            try ("# Resolved configuration of this run (every value in effect)\n" + ConfigFile.yaml(config.resolvedTree))
                .write(to: outDir.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
            try plugins.write(to: outDir)
            if group.isDistributed { group.barrier() }
        }
        let log = try MetricsLog(url: metricsURL, writes: isMain)
        try log.tensorBoard?.logConfiguration(of: outDir, step: start.step)
        let loop = try makeLoop(config, dataset, log: log, checkpoints: checkpoints, step: start.step, group: group)
        return (loop, start)
    }

    /// The run's configuration, built around its dataset (whose size fixes the steps per epoch).
    func configure(_ group: ProcessGroup) throws -> (RunConfiguration, any Dataset) {
        var dataset: (any Dataset)?
        let config = try RunConfiguration(spec: spec, registry: registry, outputDirectory: outDir) { s in
            let data = try Trainer.makeDataset(path: s.dataPath, skipBad: s.skipBad, syntheticCount: s.syntheticCount,
                                               syntheticSize: s.syntheticSize, seed: s.seed)
            dataset = data
            let batches = DataLoader.batchesPerEpoch(images: data.count, batchSize: s.batchSize, dropLast: s.dropLast)
            guard batches >= 1 else {
                throw RunError.data("the dataset has \(data.count) images, fewer than one batch of \(s.batchSize): lower --batch-size")
            }
            if group.isDistributed, s.batchSize % group.size != 0 {
                throw ConfigError.invalidValue(path: "data.batch_size", detail: "is \(s.batchSize), the global batch, which does not split evenly among the \(group.size) ranks of this job: use a multiple of \(group.size)")
            }
            if !s.dropLast, data.count % s.batchSize == 1 {
                throw ConfigError.invalidValue(path: "data.drop_last", detail: "is false, so the last batch of each epoch would hold 1 of the \(data.count) images (batch-norm statistics and contrastive pairs need at least 2): set data.drop_last: true or another data.batch_size")
            }
            return Swift.max(batches / s.accumulate, 1)
        }
        return (config, dataset!)
    }

    /// Creates and locks the run folder: one process trains into a folder at a time.
    func openRunFolder() throws {
        do { try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true) } catch {
            throw RunError.io(path: outDir.path, detail: "cannot create the run folder: \(error.localizedDescription) (choose a writable --out)")
        }
        folderLock = try RunFolderLock(runDirectory: outDir)
    }

    /// The loader (this rank's shard of every global batch) and the loop, data-parallel under mpirun.
    func makeLoop(_ config: RunConfiguration, _ dataset: any Dataset, log: MetricsLog, checkpoints: RunCheckpoints,
                  step: Int, group: ProcessGroup) throws -> TrainingLoop {
        let s = config.settings
        let loader = try DataLoader(dataset: dataset, transform: config.method.views, batchSize: s.batchSize / group.size,
                                    shuffle: true, dropLast: s.dropLast, seed: s.seed, workers: s.workers, prefetch: s.prefetch,
                                    skipBadImages: s.skipBad, shard: (group.rank, group.size))
        let loop = TrainingLoop(config: config, loader: loader, log: log, checkpoints: checkpoints, reporter: reporter, step: step)
        if group.isDistributed {
            let parallel = DataParallel(method: config.method, group: group, syncBatchNorm: s.syncBatchNorm,
                                        bucketBytes: Int(Double(s.bucketMB) * 1_048_576))
            parallel.broadcastState()
            loop.dataParallel = parallel
        }
        return loop
    }

    /// Resuming: loads the last checkpoint into the method, optimizer and schedule, and cuts
    /// `metrics.jsonl` back to its step. A new run: refuses a folder that already holds one.
    func restoreOrStart(_ config: RunConfiguration, checkpoints: RunCheckpoints, metricsURL: URL) throws -> StartPosition {
        let fm = FileManager.default
        // `.previous` alone is a checkpoint whose replacement was cut short by a crash (`Checkpoint.read`).
        let hasCheckpoint = ["last", ".previous"].contains {
            fm.fileExists(atPath: checkpoints.directory.appendingPathComponent($0).appendingPathComponent("state.json").path)
        }
        guard resume else {
            if hasCheckpoint {
                throw RunError.incompatibleResume(dir: outDir.path, detail: "it already holds a run; pass --resume \(outDir.path) to continue it, or choose another --out")
            }
            if ProcessGroup.world.isMain { try? fm.removeItem(at: metricsURL) }
            if let loaded = try Trainer.loadInitialWeights(config) { reporter.message(loaded) }
            return StartPosition()
        }
        guard hasCheckpoint else {
            // Killed before its first checkpoint: the recorded configuration is all there is, and
            // starting it again from step 0 is the exact continuation.
            if ProcessGroup.world.isMain { try? fm.removeItem(at: metricsURL) }
            reporter.message("\(outDir.path) stopped before its first checkpoint: training it from step 0 with its recorded configuration")
            if let loaded = try Trainer.loadInitialWeights(config) { reporter.message(loaded) }
            return StartPosition()
        }
        let ckpt = try Checkpoint.read(from: checkpoints.directory)
        guard ckpt.state.method == config.methodName, ckpt.state.backbone == config.backboneName else {
            throw RunError.incompatibleResume(dir: outDir.path, detail: "it was trained with method '\(ckpt.state.method)' and backbone '\(ckpt.state.backbone)', not '\(config.methodName)' and '\(config.backboneName)' (leave --method and --backbone out when resuming)")
        }
        try checkPosition(ckpt.state, config)
        try Trainer.loadModelState(config.method, ckpt.model, source: checkpoints.directory.path)
        try config.optimizer.loadState(ckpt.optimizer)
        try config.hyperParameters.learningRate.loadState(ckpt.state.scheduleState)
        for (path, schedule) in config.hyperParameters.all.dropFirst() {
            if let saved = ckpt.state.schedulesState?[path] { try schedule.loadState(saved) }
        }
        if ProcessGroup.world.isMain { try Checkpoint.recoverInterruptedWrite(in: checkpoints.directory) }
        try checkpoints.restoreMissingEpochWeights(method: config.method, state: ckpt.state, keep: config.settings.keepEpochCheckpoints)
        var start = StartPosition(epoch: ckpt.state.epoch, step: ckpt.state.step, batchInEpoch: ckpt.state.batchInEpoch)
        if let sum = ckpt.state.epochLossSum, let n = ckpt.state.epochBatches, sum.isFinite, n >= 0, n <= start.batchInEpoch {
            start.carried = EpochTotals(lossSum: sum, batches: n)
        }
        if ProcessGroup.world.isMain { try MetricsLog.truncate(metricsURL, afterStep: start.step) }
        reporter.message("resuming \(outDir.path) at epoch \(start.epoch + 1), step \(start.step)")
        return start
    }
}

extension Trainer {
    /// A checkpoint's loop position must fit the run being resumed (before anything is written).
    func checkPosition(_ state: Checkpoint.State, _ config: RunConfiguration) throws {
        let epochs = config.settings.epochs
        let stateFile = outDir.appendingPathComponent("checkpoints/last/state.json").path
        try state.checkPosition(stepsPerEpoch: config.stepsPerEpoch, accumulate: config.settings.accumulate, file: stateFile)
        guard state.epoch <= epochs else {
            throw RunError.incompatibleResume(dir: outDir.path, detail: "it has already trained \(state.epoch) epochs, more than --epochs \(epochs): pass --epochs \(state.epoch) or more (or leave it out)")
        }
    }
}

/// What a finished run reports.
public struct TrainSummary {
    public var finalLoss = Double.nan
    public var epochLosses: [Double] = []
    public var steps = 0
    public var seconds = 0.0
    public var imagesPerSecond = 0.0
    /// True when `train.stop_after` ended the run before its last epoch.
    public var stoppedEarly = false
}
