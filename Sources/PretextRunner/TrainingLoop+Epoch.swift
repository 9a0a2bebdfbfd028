import Foundation
import PretextCore
import PretextTensor

extension TrainingLoop {
    /// The random-initialisation baseline of the evaluation hook, logged as epoch 0.
    func evaluateBaseline(_ hook: (any Method, Int) throws -> [String: Double]) throws {
        for m in method.modules.values { m.eval() }
        var record: [String: Any] = ["step": 0, "epoch": 0]
        for (k, v) in try hook(method, -1) { record[k] = v }
        if record.count > 2 { try log.write(record) }
    }

    /// End of epoch `epoch` (0-based): evaluation, the epoch record, plots, metric-driven schedules,
    /// the checkpoint. Returns the record written to `metrics.jsonl`.
    func finishEpoch(_ epoch: Int, _ totals: EpochTotals, started: Date,
                     evaluate: ((any Method, Int) throws -> [String: Double])?,
                     afterEpoch: ((URL, Int) throws -> Void)?, runDirectory: URL) throws -> [String: Any] {
        var record: [String: Any] = ["step": step, "epoch": epoch + 1, "epoch_loss": totals.meanLoss,
                                     "epoch_seconds": Date().timeIntervalSince(started),
                                     "elapsed_seconds": Date().timeIntervalSince(runStart)]
        if let parallel = dataParallel {
            record["allreduce_seconds"] = parallel.takeCommunicationSeconds()
            record["allreduce_overlapped"] = parallel.takeOverlap()
            record["ranks"] = parallel.group.size
        }
        if !totals.skipped.isEmpty {
            reporter.message("skipped \(totals.skipped.count) unreadable image(s) this epoch, e.g. \(totals.skipped[0].error)")
            record["skipped_images"] = totals.skipped.count
        }
        if let evaluate {
            for (k, v) in try evaluate(method, epoch) { record[k] = v }
        }
        try log.write(record)
        if let afterEpoch, dataParallel?.group.isMain ?? true {
            do { try afterEpoch(runDirectory, epoch) } catch { reporter.message("warning: after epoch \(epoch + 1): \(error)") }
        }
        try log.tensorBoard?.logEpochImages(in: runDirectory, epoch: epoch + 1, step: step)
        try observeMonitoredMetric(record, meanLoss: totals.meanLoss)
        try checkpoints.save(method: method, optimizer: optimizer, schedules: config.hyperParameters,
                             epochsDone: epoch + 1, step: step, batchInEpoch: 0)
        if settings.keepEpochCheckpoints { try checkpoints.saveEpochWeights(method: method, epoch: epoch + 1) }
        reporter.message(String(format: "epoch %d/%d  loss %.4f", epoch + 1, settings.epochs, totals.meanLoss))
        return record
    }

    /// Feeds `schedule.monitor` (the epoch's mean loss, or an epoch metric) to metric-driven schedules
    /// (every schedule of the run: the learning rate's, and any other group's plateau).
    func observeMonitoredMetric(_ record: [String: Any], meanLoss: Double) throws {
        let metric = config.monitor == "loss" ? meanLoss : record[config.monitor] as? Double
        guard let metric else { return }
        for (_, schedule) in config.hyperParameters.all { schedule.observe(metric: metric, at: step) }
    }
}
