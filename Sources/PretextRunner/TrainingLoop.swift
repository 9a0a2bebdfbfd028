import Foundation
import PretextCore
import PretextData
import PretextKit
import PretextNN
import PretextTensor

/// The training loop, in the phases a newcomer reads top to bottom (the order is stated once, here):
///
/// 1. `prepare` (in `Trainer`): configuration, data, method, optimizer, schedules, resume position.
/// 2. For each batch:
///    - `updateMomentumTargets` — at the start of each optimizer step, before the forward pass
///      (Lightly's `update_momentum` placement; see `MomentumTarget`);
///    - `forwardBackward` — the method's `step` gives the loss, then backward (scaled under accumulation);
///    - every `train.accumulate` batches, `optimizerStep` — scheduled hyper-parameters, gradient
///      clipping, the update, zeroed gradients — then the method's `afterStep` (queues, centres);
///    - `logStep` — progress line and, every `train.log_every` steps, a `metrics.jsonl` record;
///    - on Ctrl-C, a checkpoint at this batch and a stop.
/// 3. `finishEpoch` — evaluation hook, the epoch record, plots, metric-driven schedules observe the
///    monitored metric, the checkpoint (and the epoch's weights).
final class TrainingLoop {
    let config: RunConfiguration
    let loader: DataLoader
    let log: MetricsLog
    let checkpoints: RunCheckpoints
    let reporter: ProgressReporter
    var method: any Method { config.method }
    var optimizer: any Optimizer { config.optimizer }
    var settings: TrainingSettings { config.settings }

    /// Where training stands: optimizer steps done, and the batch of the current epoch.
    var step: Int
    var stepsThisRun = 0
    /// The method's first step runs under a crash report naming its plugin (see PluginCrashReport).
    var firstStepOfRun = true
    let runStart = Date()
    let totalSteps: Int
    /// Loss and metrics since the last `metrics.jsonl` record.
    var window = StepWindow()
    /// Under `mpirun`: gradient averaging and state broadcasts over the job's ranks (nil = one process).
    var dataParallel: DataParallel?

    init(config: RunConfiguration, loader: DataLoader, log: MetricsLog, checkpoints: RunCheckpoints,
         reporter: ProgressReporter, step: Int) {
        self.config = config
        self.loader = loader
        self.log = log
        self.checkpoints = checkpoints
        self.reporter = reporter
        self.step = step
        totalSteps = config.stepsPerEpoch * config.settings.epochs
    }

    var batchesPerEpoch: Int { config.stepsPerEpoch * settings.accumulate }

    /// The context of the optimizer step the next batch belongs to.
    func context(epoch: Int) -> StepContext {
        StepContext(epoch: epoch, epochs: settings.epochs, step: step, totalSteps: totalSteps,
                    stepsPerEpoch: config.stepsPerEpoch,
                    learningRate: config.hyperParameters.learningRate(at: step, of: totalSteps),
                    rng: RNG(seed: settings.seed, stream: 0x5EED_0000 &+ UInt64(step) &+ rankStream))
    }

    /// Each rank draws its own per-step randomness (rank 0 the single process's).
    var rankStream: UInt64 { UInt64(dataParallel?.group.rank ?? 0) << 48 }

    /// One epoch of batches, from `skip` (batches already trained on, when resuming mid-epoch, whose
    /// losses `carried` holds).
    func trainEpoch(_ epoch: Int, skip: Int, carried: EpochTotals = EpochTotals()) throws -> EpochTotals {
        for m in method.modules.values { m.train() }
        for t in method.momentumTargets { t.target.train() }
        var totals = carried
        window.restart()
        let batches = loader.epoch(epoch)
        // The loader is deterministic per (seed, epoch, image): replaying and dropping the batches
        // already trained on gives exactly the uninterrupted sequence.
        for _ in 0..<skip { _ = try batches.nextBatch() }
        var batchIndex = skip
        while batchIndex < batchesPerEpoch, let batch = try batches.nextBatch() {
            let ctx = context(epoch: epoch)
            let startsStep = batchIndex % settings.accumulate == 0
            if startsStep {
                dataParallel?.broadcastBuffers()
                try updateMomentumTargets(ctx)
            }
            let endsStep = (batchIndex + 1) % settings.accumulate == 0
            var out = try forwardBackward(batch, ctx, lastOfStep: endsStep)
            // Every rank logs the job's mean loss and stops at the same batch when any rank saw Ctrl-C.
            var interrupted = InterruptFlag.isSet
            if let group = dataParallel?.group {
                let r = group.allReduceSum([out.loss, interrupted ? 1 : 0])
                out.loss = r[0] / Double(group.size)
                interrupted = r[1] > 0
            }
            batchIndex += 1
            if endsStep {
                try optimizerStep(ctx)
                try method.afterStep(ctx)
                step += 1
                stepsThisRun += 1
            }
            totals.add(loss: out.loss)
            window.add(out, images: batch.indices.count * (dataParallel?.group.size ?? 1))
            try logStep(epoch: epoch, lr: ctx.learningRate, loss: out.loss,
                        record: endsStep && (step % settings.logEvery == 0 || batchIndex == batchesPerEpoch))
            if interrupted {
                let url = try checkpoints.save(method: method, optimizer: optimizer, schedules: config.hyperParameters,
                                               epochsDone: epoch, step: step, batchInEpoch: batchIndex, partial: totals)
                throw RunError.interrupted(step: step, checkpoint: url.path)
            }
        }
        totals.skipped = batches.skipped
        return totals
    }

    func updateMomentumTargets(_ ctx: StepContext) throws {
        for t in method.momentumTargets {
            try EMA.update(target: t.target, online: t.online, momentum: t.momentum(at: ctx.step, of: ctx.totalSteps))
        }
    }

    /// The method's forward pass and loss, then backward; a non-finite loss stops with the last checkpoint named.
    /// Under mpirun the backward of a step's last batch starts the gradient all-reduce as buckets fill.
    func forwardBackward(_ batch: Batch, _ ctx: StepContext, lastOfStep: Bool) throws -> (loss: Double, metrics: [String: Double]) {
        let out = try firstStepOfRun
            ? PluginCrashReport.running("the first training step of method '\(config.methodName)' from plugin \(config.methodSource)") {
                try method.step(batch, ctx)
            }
            : method.step(batch, ctx)
        firstStepOfRun = false
        let lossValue = out.loss.item
        guard lossValue.isFinite else {
            throw RunError.nonFiniteLoss(step: ctx.step, epoch: ctx.epoch, value: lossValue, lastCheckpoint: checkpoints.last)
        }
        if lastOfStep { dataParallel?.beginBackward() }
        defer { dataParallel?.endBackward() }
        try (settings.accumulate > 1 ? out.loss * (1 / Float(settings.accumulate)) : out.loss).backward()
        return (Double(lossValue), out.metrics)
    }

    /// Scheduled hyper-parameters, clipping, the update, zeroed gradients.
    func optimizerStep(_ ctx: StepContext) throws {
        config.hyperParameters.apply(to: optimizer, at: ctx.step, of: ctx.totalSteps)
        dataParallel?.averageGradients()
        if settings.clipGrad > 0 {
            _ = try clipGradNorm(optimizer.groups.flatMap { $0.parameters.map(\.tensor) }, maxNorm: settings.clipGrad)
        }
        try optimizer.step(learningRate: ctx.learningRate)
        optimizer.zeroGrad()
    }

    /// The progress line, and a `metrics.jsonl` record when `record` (the window's means).
    func logStep(epoch: Int, lr: Float, loss: Double, record: Bool) throws {
        let ips = window.imagesPerSecond
        reporter.update(epoch: epoch, epochs: settings.epochs, step: step - 1, stepsPerEpoch: config.stepsPerEpoch,
                        totalSteps: totalSteps, loss: loss, lr: lr, imagesPerSecond: ips, stepsDone: stepsThisRun,
                        elapsed: Date().timeIntervalSince(runStart))
        guard record else { return }
        var rec = window.record()
        rec["step"] = step
        rec["epoch"] = epoch + 1
        rec["lr"] = Double(lr)
        rec["images_per_s"] = ips
        // The scheduled hyper-parameters of the step just done (step − 1).
        rec["weight_decay"] = Double(optimizer.weightDecay)
        if let target = method.momentumTargets.first { rec["momentum"] = Double(target.momentum(at: step - 1, of: totalSteps)) }
        try log.write(rec)
        window.restart()
    }
}

/// What an epoch adds up: the loss of every batch and the images the loader could not read.
struct EpochTotals {
    var lossSum = 0.0, batches = 0
    var skipped: [(index: Int, error: DataError)] = []
    mutating func add(loss: Double) { lossSum += loss; batches += 1 }
    var meanLoss: Double { lossSum / Double(Swift.max(batches, 1)) }
}

/// Batches since the last `metrics.jsonl` record: mean loss and metrics, images per second.
struct StepWindow {
    var lossSum = 0.0, count = 0, images = 0
    var metrics: [String: Double] = [:]
    var start = Date()

    mutating func restart() { self = StepWindow() }

    mutating func add(_ out: (loss: Double, metrics: [String: Double]), images n: Int) {
        lossSum += out.loss
        count += 1
        images += n
        for (k, v) in out.metrics { metrics[k, default: 0] += v }
    }

    var imagesPerSecond: Double {
        let elapsed = Date().timeIntervalSince(start)
        return elapsed > 0 ? Double(images) / elapsed : 0
    }

    func record() -> [String: Any] {
        var rec: [String: Any] = ["loss": lossSum / Double(count)]
        for (k, v) in metrics { rec[k] = v / Double(count) }
        return rec
    }
}
