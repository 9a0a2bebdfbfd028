import Foundation
import PretextCore
import PretextData
import PretextKit
import PretextNN
import PretextTensor

/// The training loop shared by every method: builds the method and its parts from the registry,
/// runs epochs over the loader, steps the optimizer on a per-step schedule, updates momentum
/// targets, logs `metrics.jsonl`, checkpoints atomically, and resumes exactly.
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

    public private(set) var method: (any Method)?
    public private(set) var summary = TrainSummary()

    public init(spec: RunSpec, registry: Registry = .shared, outDir: URL, resume: Bool = false, quiet: Bool = false) {
        self.spec = spec
        self.registry = registry
        self.outDir = outDir
        self.resume = resume
        self.reporter = ProgressReporter(quiet: quiet)
    }

    /// The settings of the `train` and `data` sections.
    struct Settings {
        var stopAfter = 0
        var epochs = 10, seed: UInt64 = 0, accumulate = 1, logEvery = 10, clipGrad: Float = 0, keepEpochCheckpoints = true
        var dataPath: String?, batchSize = 128, workers = 2, prefetch = 4, dropLast = true, skipBad = false
        var syntheticCount = 2000, syntheticSize = 32
    }

    func readSettings(_ train: ConfigSection, _ data: ConfigSection) throws -> Settings {
        var s = Settings()
        s.epochs = try train.int("epochs", 10, "passes over the data")
        s.seed = UInt64(try train.int("seed", 0, "seed for weights, augmentations and shuffling", range: 0...Int.max))
        s.accumulate = try train.int("accumulate", 1, "batches per optimizer step (gradient accumulation)")
        s.logEvery = try train.int("log_every", 10, "steps between metrics.jsonl records", range: 1...Int.max)
        s.stopAfter = try train.int("stop_after", 0, "stop (with a checkpoint) after this many epochs, keeping the full schedule; resume later (0 = run all)", range: 0...Int.max)
        s.clipGrad = try train.float("clip_grad", 0, "clip the global gradient norm to this (0 = off)")
        s.keepEpochCheckpoints = try train.bool("keep_epoch_checkpoints", true, "also keep weights of every epoch")
        s.dataPath = try data.optionalString("path", "image folder (class sub-folders or flat); none = built-in synthetic shapes")
        s.batchSize = try data.int("batch_size", 128, "images per batch")
        s.workers = try data.int("workers", 2, "loader threads", range: 0...1024)
        s.prefetch = try data.int("prefetch", 4, "batches prepared ahead", range: 1...1024)
        s.dropLast = try data.bool("drop_last", true, "drop the last incomplete batch")
        s.skipBad = try data.bool("skip_bad_images", false, "skip unreadable images instead of stopping")
        s.syntheticCount = try data.int("synthetic_count", 2000, "images of the built-in synthetic dataset", range: 2...10_000_000)
        s.syntheticSize = try data.int("synthetic_size", 32, "side of the synthetic images", range: 8...4096)
        guard s.epochs >= 1 else { throw ConfigError.invalidValue(path: "train.epochs", detail: "must be at least 1") }
        guard s.batchSize >= 2 else { throw ConfigError.invalidValue(path: "data.batch_size", detail: "must be at least 2 (batch statistics and contrastive losses need pairs)") }
        guard s.accumulate >= 1 else { throw ConfigError.invalidValue(path: "train.accumulate", detail: "must be at least 1") }
        return s
    }

    /// Opens the training images.
    public static func makeDataset(path: String?, skipBad: Bool, syntheticCount: Int, syntheticSize: Int, seed: UInt64) throws -> any Dataset {
        if let path {
            return try ImageFolderDataset(root: path, skipBadImages: skipBad)
        }
        return try SyntheticShapesDataset(count: syntheticCount, size: syntheticSize, seed: seed)
    }

    /// The trainable parameters of every module. With `excludeBiasAndNorm`, biases, norm weights and
    /// ViT tokens get no weight decay and no LARS adaptation (DINO, MAE, LARS recipes); without it every
    /// parameter is decayed, as plain `torch.optim.SGD(model.parameters(), weight_decay=…)` does.
    public static func parameterGroups(_ modules: [String: Module], excludeBiasAndNorm: Bool) -> [ParameterGroup] {
        var decay: [(key: String, tensor: Tensor)] = [], noDecay: [(key: String, tensor: Tensor)] = []
        for name in modules.keys.sorted() {
            for (key, t) in modules[name]!.namedParameters() where t.requiresGrad {
                let full = "\(name).\(key)"
                if excludeBiasAndNorm && ParameterGroup.isNoDecay(key: key, tensor: t) { noDecay.append((full, t)) } else { decay.append((full, t)) }
            }
        }
        var groups = [ParameterGroup(name: "decay", parameters: decay)]
        if !noDecay.isEmpty {
            groups.append(ParameterGroup(name: "no_decay", parameters: noDecay, weightDecay: 0, excludeFromAdaptation: true))
        }
        return groups
    }

    /// Model state of every module (prefixed by its name) plus the method's extra state.
    public static func modelState(_ method: any Method) -> [(key: String, tensor: Tensor)] {
        var out: [(key: String, tensor: Tensor)] = []
        for name in method.modules.keys.sorted() {
            for (k, t) in method.modules[name]!.stateDict() { out.append(("\(name).\(k)", t)) }
        }
        for (k, t) in method.extraState().sorted(by: { $0.key < $1.key }) { out.append(("extra.\(k)", t)) }
        return out
    }

    /// Loads `modelState` output back into a method.
    public static func loadModelState(_ method: any Method, _ state: [(key: String, tensor: Tensor)], source: String) throws {
        var byModule: [String: [String: Tensor]] = [:], extra: [String: Tensor] = [:]
        for (k, t) in state {
            guard let dot = k.firstIndex(of: ".") else { continue }
            let head = String(k[..<dot]), rest = String(k[k.index(after: dot)...])
            if head == "extra" { extra[rest] = t } else { byModule[head, default: [:]][rest] = t }
        }
        for (name, module) in method.modules {
            try module.loadStateDict(byModule[name] ?? [:], strict: true, source: "\(source) (module '\(name)')")
        }
        try method.loadExtraState(extra)
    }

    /// Rebuilds a run's method from its configuration (weights freshly initialised; load a checkpoint after).
    public static func buildMethod(spec: RunSpec, registry: Registry) throws -> (any Method, String) {
        let methodCfg = spec.section("method"), backboneCfg = spec.section("backbone"), viewsCfg = spec.section("views")
        let train = spec.section("train")
        let name = try methodCfg.string("name", "simclr")
        let context = BuildContext(registry: registry, seed: UInt64(try train.int("seed", 0, range: 0...Int.max)))
        context.epochs = try train.int("epochs", 10)
        let builder = MethodBuilder(config: methodCfg, backboneConfig: backboneCfg, viewsConfig: viewsCfg,
                                    backboneName: try backboneCfg.string("name", "resnet18"), epochs: context.epochs, context: context)
        return (try registry.makeMethod(name, builder), name)
    }

    public func run() throws -> TrainSummary {
        try spec.validateSections()
        let trainCfg = spec.section("train"), dataCfg = spec.section("data")
        let s = try readSettings(trainCfg, dataCfg)
        let methodCfg = spec.section("method"), backboneCfg = spec.section("backbone"), viewsCfg = spec.section("views")
        let optCfg = spec.section("optimizer"), schedCfg = spec.section("schedule"), evalCfg = spec.section("eval")
        let methodName = try methodCfg.string("name", "simclr", "the pretraining method", choices: registry.names(.method).isEmpty ? nil : nil)
        let backboneName = try backboneCfg.string("name", "resnet18", "the backbone network")

        let dataset = try Trainer.makeDataset(path: s.dataPath, skipBad: s.skipBad, syntheticCount: s.syntheticCount,
                                              syntheticSize: s.syntheticSize, seed: s.seed)
        let batchesPerEpoch = s.dropLast ? dataset.count / s.batchSize : (dataset.count + s.batchSize - 1) / s.batchSize
        guard batchesPerEpoch >= 1 else {
            throw RunError.data("the dataset has \(dataset.count) images, fewer than one batch of \(s.batchSize): lower --batch-size")
        }
        let stepsPerEpoch = Swift.max(batchesPerEpoch / s.accumulate, 1)
        let context = BuildContext(registry: registry, seed: s.seed)
        context.stepsPerEpoch = stepsPerEpoch
        context.epochs = s.epochs
        context.outputDirectory = outDir
        let builder = MethodBuilder(config: methodCfg, backboneConfig: backboneCfg, viewsConfig: viewsCfg,
                                    backboneName: backboneName, epochs: s.epochs, context: context)
        let method = try registry.makeMethod(methodName, builder)
        self.method = method
        let baseLR = try optCfg.float("lr", 0.06, "base learning rate (scaled by the schedule)")
        let optName = try optCfg.string("name", "sgd", "optimizer")
        let exclude = try optCfg.bool("exclude_bias_and_norm", false, "no weight decay (nor LARS adaptation) for biases, norms and ViT tokens")
        let optimizer = try registry.makeOptimizer(optName, optCfg, groups: Trainer.parameterGroups(method.modules, excludeBiasAndNorm: exclude), context)
        // DINO's weight-decay schedule: cosine from optimizer.weight_decay to optimizer.weight_decay_end, per step.
        let weightDecayStart = optimizer.weightDecay
        let weightDecayEnd: Float? = optCfg.has("weight_decay_end")
            ? try optCfg.float("weight_decay_end", weightDecayStart, "weight decay at the end: cosine from weight_decay, per step (DINO: 0.04 → 0.4)") : nil
        let schedName = try schedCfg.string("name", "cosine", "learning-rate schedule")
        let schedule = try registry.makeSchedule(schedName, schedCfg, context)
        let monitor = try schedCfg.string("monitor", "loss", "metric a plateau schedule watches")
        _ = try evalCfg.optionalString("data", "labelled folder for online kNN (class sub-folders); none = off")
        _ = try evalCfg.int("every", 1, "epochs between online kNN evaluations")
        _ = try evalCfg.doubles("k", [20, 200], "neighbours for kNN")
        _ = try evalCfg.double("temperature", 0.1, "kNN vote temperature")
        _ = try evalCfg.optionalString("train_data", "kNN memory bank folder (default: data.path)")
        let evalAtStart = try evalCfg.bool("at_start", true, "also evaluate the untrained network (the random-initialisation baseline)")
        for section in [methodCfg, backboneCfg, viewsCfg, optCfg, schedCfg, trainCfg, dataCfg, evalCfg] {
            try section.validate()
        }

        let fm = FileManager.default
        try fm.createDirectory(at: outDir, withIntermediateDirectories: true)
        let ckptDir = outDir.appendingPathComponent("checkpoints")
        var resolved = spec.tree
        for section in [methodCfg, backboneCfg, viewsCfg, optCfg, schedCfg, trainCfg, dataCfg, evalCfg] {
            resolved = resolved.merged(with: ConfigValue.map([section.path: section.resolvedValue]))
        }
        try ("# Resolved configuration of this run (every value in effect)\n" + ConfigFile.yaml(resolved))
            .write(to: outDir.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)

        var startEpoch = 0, step = 0, skipBatches = 0
        let metricsURL = outDir.appendingPathComponent("metrics.jsonl")
        if resume {
            let ckpt = try Checkpoint.read(from: ckptDir)
            guard ckpt.state.method == methodName, ckpt.state.backbone == backboneName else {
                throw RunError.incompatibleResume(dir: outDir.path, detail: "it was trained with method '\(ckpt.state.method)' and backbone '\(ckpt.state.backbone)'")
            }
            try Trainer.loadModelState(method, ckpt.model, source: ckptDir.path)
            try optimizer.loadState(ckpt.optimizer)
            (schedule as? PlateauSchedule)?.load(state: ckpt.state.scheduleState)
            startEpoch = ckpt.state.epoch
            step = ckpt.state.step
            skipBatches = ckpt.state.batchInEpoch
            try MetricsLog.truncate(metricsURL, afterStep: step)
            reporter.message("resuming \(outDir.path) at epoch \(startEpoch + 1), step \(step)")
        } else if fm.fileExists(atPath: ckptDir.appendingPathComponent("last").path) {
            throw RunError.incompatibleResume(dir: outDir.path, detail: "it already holds a run; pass --resume \(outDir.path) to continue it, or choose another --out")
        } else {
            try? fm.removeItem(at: metricsURL)
        }
        let log = try MetricsLog(url: metricsURL)
        try log.tensorBoard?.logConfiguration(of: outDir, step: step)
        let totalSteps = stepsPerEpoch * s.epochs
        let loader = try DataLoader(dataset: dataset, transform: method.views, batchSize: s.batchSize, shuffle: true,
                                    dropLast: s.dropLast, seed: s.seed, workers: s.workers, prefetch: s.prefetch,
                                    skipBadImages: s.skipBad)
        let metadata = ["method": methodName, "backbone": backboneName, "architecture": method.backbone.architecture,
                        "format": "pretext-checkpoint"]
        var lastCheckpoint: String? = resume ? ckptDir.appendingPathComponent("last").path : nil
        let runStart = Date()
        var stepsThisRun = 0

        func checkpoint(epochsDone: Int, batchInEpoch: Int) throws -> URL {
            let state = Checkpoint.State(epoch: epochsDone, step: step, batchInEpoch: batchInEpoch, seed: s.seed,
                                         scheduleState: (schedule as? PlateauSchedule)?.state ?? [],
                                         pretextABI: PluginABI.hostVersion, method: methodName, backbone: backboneName)
            let url = try Checkpoint(model: Trainer.modelState(method), optimizer: optimizer.state(), state: state)
                .write(to: ckptDir, metadata: metadata)
            lastCheckpoint = url.path
            return url
        }

        if evalAtStart, !resume, let hook = epochHook {
            // The random-initialisation baseline, logged as epoch 0.
            for m in method.modules.values { m.eval() }
            var record: [String: Any] = ["step": 0, "epoch": 0]
            for (k, v) in try hook(method, -1) { record[k] = v }
            if record.count > 2 { try log.write(record) }
        }
        for epoch in startEpoch..<s.epochs {
            for m in method.modules.values { m.train() }
            for t in method.momentumTargets { t.target.train() }
            var epochLoss = 0.0, epochBatches = 0
            let epochStart = Date()
            var windowImages = 0, windowStart = Date(), lossWindow = 0.0, windowCount = 0
            var metricWindow: [String: Double] = [:]
            var batchIndex = skipBatches
            let batches = loader.epoch(epoch)
            // Resuming mid-epoch: the loader is deterministic per (seed, epoch, image), so replaying and
            // dropping the batches already trained on gives exactly the uninterrupted sequence.
            for _ in 0..<skipBatches { _ = try batches.nextBatch() }
            skipBatches = 0
            while let batch = try batches.nextBatch() {
                if batchIndex >= stepsPerEpoch * s.accumulate { break }
                let lr = baseLR * schedule.value(at: step, of: totalSteps)
                let ctx = StepContext(epoch: epoch, epochs: s.epochs, step: step, totalSteps: totalSteps,
                                      stepsPerEpoch: stepsPerEpoch, learningRate: lr,
                                      rng: RNG(seed: s.seed, stream: 0x5EED_0000 &+ UInt64(step)))
                if batchIndex % s.accumulate == 0 {
                    for t in method.momentumTargets {
                        try EMA.update(target: t.target, online: t.online, momentum: t.momentum(progress: ctx.progress))
                    }
                }
                let out = try method.step(batch, ctx)
                let lossValue = out.loss.item
                guard lossValue.isFinite else {
                    throw RunError.nonFiniteLoss(step: step, epoch: epoch, value: lossValue, lastCheckpoint: lastCheckpoint)
                }
                try (s.accumulate > 1 ? out.loss * (1 / Float(s.accumulate)) : out.loss).backward()
                batchIndex += 1
                if batchIndex % s.accumulate == 0 {
                    if let end = weightDecayEnd {
                        optimizer.weightDecay = end + (weightDecayStart - end) * Float(0.5 * (1 + cos(Double.pi * ctx.progress)))
                    }
                    if s.clipGrad > 0 {
                        _ = try clipGradNorm(optimizer.groups.flatMap { $0.parameters.map(\.tensor) }, maxNorm: s.clipGrad)
                    }
                    try optimizer.step(learningRate: lr)
                    optimizer.zeroGrad()
                    try method.afterStep(ctx)
                    step += 1
                    stepsThisRun += 1
                }
                epochLoss += Double(lossValue); epochBatches += 1
                lossWindow += Double(lossValue); windowCount += 1
                windowImages += batch.indices.count
                for (k, v) in out.metrics { metricWindow[k, default: 0] += v }
                let elapsed = Date().timeIntervalSince(windowStart)
                let ips = elapsed > 0 ? Double(windowImages) / elapsed : 0
                reporter.update(epoch: epoch, epochs: s.epochs, step: step - 1, stepsPerEpoch: stepsPerEpoch, totalSteps: totalSteps,
                                loss: Double(lossValue), lr: lr, imagesPerSecond: ips, stepsDone: stepsThisRun,
                                elapsed: Date().timeIntervalSince(runStart))
                if step % s.logEvery == 0 || batchIndex == stepsPerEpoch * s.accumulate {
                    var rec: [String: Any] = ["step": step, "epoch": epoch + 1, "loss": lossWindow / Double(windowCount),
                                              "lr": Double(lr), "images_per_s": ips]
                    if weightDecayEnd != nil { rec["weight_decay"] = Double(optimizer.weightDecay) }
                    for (k, v) in metricWindow { rec[k] = v / Double(windowCount) }
                    try log.write(rec)
                    lossWindow = 0; windowCount = 0; metricWindow = [:]; windowImages = 0; windowStart = Date()
                }
                if InterruptFlag.isSet {
                    let url = try checkpoint(epochsDone: epoch, batchInEpoch: batchIndex)
                    throw RunError.interrupted(step: step, checkpoint: url.path)
                }
            }
            let meanLoss = epochLoss / Double(Swift.max(epochBatches, 1))
            var epochRecord: [String: Any] = ["step": step, "epoch": epoch + 1, "epoch_loss": meanLoss,
                                              "epoch_seconds": Date().timeIntervalSince(epochStart),
                                              "elapsed_seconds": Date().timeIntervalSince(runStart)]
            if !batches.skipped.isEmpty {
                reporter.message("skipped \(batches.skipped.count) unreadable image(s) this epoch, e.g. \(batches.skipped[0].error)")
                epochRecord["skipped_images"] = batches.skipped.count
            }
            if let hook = epochHook {
                for (k, v) in try hook(method, epoch) { epochRecord[k] = v }
            }
            try log.write(epochRecord)
            if let afterEpochHook {
                do { try afterEpochHook(outDir, epoch) } catch { reporter.message("warning: after epoch \(epoch + 1): \(error)") }
            }
            try log.tensorBoard?.logEpochImages(in: outDir, epoch: epoch + 1, step: step)
            if monitor == "loss" { schedule.observe(metric: meanLoss, at: step) } else if let v = epochRecord[monitor] as? Double {
                schedule.observe(metric: v, at: step)
            }
            summary.finalLoss = meanLoss
            summary.epochLosses.append(meanLoss)
            _ = try checkpoint(epochsDone: epoch + 1, batchInEpoch: 0)
            if s.keepEpochCheckpoints {
                try SafeTensors.write(Trainer.modelState(method), metadata: metadata,
                                      to: ckptDir.appendingPathComponent(String(format: "epoch-%03d.safetensors", epoch + 1)))
            }
            reporter.message(String(format: "epoch %d/%d  loss %.4f", epoch + 1, s.epochs, meanLoss))
            if s.stopAfter > 0 && epoch + 1 >= s.stopAfter && epoch + 1 < s.epochs {
                reporter.message("stopping after epoch \(epoch + 1) of \(s.epochs) (train.stop_after); continue with: ssl-run --resume \(outDir.path)")
                summary.stoppedEarly = true
                break
            }
        }
        summary.steps = step
        summary.seconds = Date().timeIntervalSince(runStart)
        summary.imagesPerSecond = summary.seconds > 0 ? Double(stepsThisRun * s.batchSize * s.accumulate) / summary.seconds : 0
        return summary
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
