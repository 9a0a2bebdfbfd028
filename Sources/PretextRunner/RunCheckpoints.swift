import Foundation
import PretextCore
import PretextNN
import PretextTensor

/// The run folder's `checkpoints/`: writes the loop position with the model, optimizer and schedule
/// state (atomically, see `Checkpoint`), the per-epoch weights, and remembers the last one written
/// (named in errors such as a non-finite loss).
final class RunCheckpoints {
    let directory: URL
    let seed: UInt64
    let methodName: String
    let backboneName: String
    let metadata: [String: String]
    private(set) var last: String?
    /// False on ranks other than 0 of a data-parallel job: rank 0 alone writes (the states are equal).
    var writes = true

    init(runDirectory: URL, config: RunConfiguration, resuming: Bool) {
        directory = runDirectory.appendingPathComponent("checkpoints")
        seed = config.settings.seed
        methodName = config.methodName
        backboneName = config.backboneName
        metadata = ["method": config.methodName, "backbone": config.backboneName,
                    "architecture": config.method.backbone.architecture, "format": "pretext-checkpoint"]
        last = resuming ? directory.appendingPathComponent("last").path : nil
    }

    /// Writes `checkpoints/last`; returns its folder.
    @discardableResult
    func save(method: any Method, optimizer: any Optimizer, schedules: HyperParameterSchedules,
              epochsDone: Int, step: Int, batchInEpoch: Int, partial: EpochTotals? = nil) throws -> URL {
        var state = Checkpoint.State(epoch: epochsDone, step: step, batchInEpoch: batchInEpoch, seed: seed,
                                     scheduleState: schedules.learningRate.state, pretextABI: PluginABI.hostVersion,
                                     method: methodName, backbone: backboneName,
                                     epochLossSum: partial?.lossSum, epochBatches: partial?.batches)
        let others = schedules.all.dropFirst().filter { !$0.schedule.state.isEmpty }
        if !others.isEmpty {
            state.schedulesState = Dictionary(others.map { ($0.path, $0.schedule.state) }, uniquingKeysWith: { a, _ in a })
        }
        guard writes else { return directory.appendingPathComponent("last") }
        let url = try Checkpoint(model: Trainer.modelState(method), optimizer: optimizer.state(), state: state)
            .write(to: directory, metadata: metadata)
        last = url.path
        return url
    }

    /// The end-of-epoch weights a killed run had checkpointed but not yet written as
    /// `epoch-NNN.safetensors` (it dies between the two writes): the checkpoint holds exactly them.
    func restoreMissingEpochWeights(method: any Method, state: Checkpoint.State, keep: Bool) throws {
        guard writes, keep, state.batchInEpoch == 0, state.epoch >= 1 else { return }
        let url = directory.appendingPathComponent(String(format: "epoch-%03d.safetensors", state.epoch))
        if !FileManager.default.fileExists(atPath: url.path) { try saveEpochWeights(method: method, epoch: state.epoch) }
    }

    /// `checkpoints/epoch-NNN.safetensors`: the weights after epoch `epoch` (1-based).
    func saveEpochWeights(method: any Method, epoch: Int) throws {
        guard writes else { return }
        try SafeTensors.write(Trainer.modelState(method), metadata: metadata,
                              to: directory.appendingPathComponent(String(format: "epoch-%03d.safetensors", epoch)))
    }
}
