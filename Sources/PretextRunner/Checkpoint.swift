import Foundation
import PretextNN
import PretextTensor

/// A training checkpoint: model weights and extra method state (`model.safetensors`), optimizer
/// moments (`optimizer.safetensors`) and the loop position (`state.json`), in one folder.
///
/// Written atomically: into `checkpoints/.tmp-<step>` with every file fsynced, then the folder is
/// renamed over `checkpoints/last` (the previous one is kept as `.previous` until the new one is in
/// place), so a crash or a full disk never leaves a run without a complete checkpoint.
public struct Checkpoint {
    public struct State: Codable, Equatable {
        public var epoch: Int            // epochs fully completed
        public var step: Int             // optimizer steps done
        public var batchInEpoch: Int     // batches of `epoch` already consumed (a mid-epoch Ctrl-C)
        public var seed: UInt64
        /// The learning-rate schedule's state (`Schedule.state`).
        public var scheduleState: [Double]
        public var pretextABI: Int32
        public var method: String
        public var backbone: String
        /// Loss summed over the batches of `epoch` already trained, and their count (a mid-epoch
        /// checkpoint), so the resumed epoch's `epoch_loss` covers the whole epoch. Absent in older files.
        public var epochLossSum: Double? = nil
        public var epochBatches: Int? = nil
        /// The state of every other schedule that has one (weight decay, momentum, a method's), by
        /// config path. Absent in older files and when no schedule carries state.
        public var schedulesState: [String: [Double]]? = nil

        public init(epoch: Int, step: Int, batchInEpoch: Int, seed: UInt64, scheduleState: [Double], pretextABI: Int32,
                    method: String, backbone: String, epochLossSum: Double? = nil, epochBatches: Int? = nil) {
            self.epoch = epoch
            self.step = step
            self.batchInEpoch = batchInEpoch
            self.seed = seed
            self.scheduleState = scheduleState
            self.pretextABI = pretextABI
            self.method = method
            self.backbone = backbone
            self.epochLossSum = epochLossSum
            self.epochBatches = epochBatches
        }
    }

    public var model: [(key: String, tensor: Tensor)]
    public var optimizer: [String: Tensor]
    public var state: State

    public init(model: [(key: String, tensor: Tensor)], optimizer: [String: Tensor], state: State) {
        self.model = model
        self.optimizer = optimizer
        self.state = state
    }

    static func fsync(_ url: URL) {
        #if canImport(Glibc)
        let fd = open(url.path, O_RDONLY)
        if fd >= 0 { _ = Glibc.fsync(fd); close(fd) }
        #endif
    }

    /// Writes to `dir/last` atomically; returns the folder path.
    ///
    /// Every moment of the write leaves one complete checkpoint: the old `last` until the new folder is
    /// complete, then `.previous` (which `read` falls back to) for the instant between the two renames.
    /// A write that finds the remains of a killed one first puts `.previous` back as `last` and removes
    /// stale `.tmp-*` folders, so it never deletes the only complete checkpoint.
    @discardableResult
    public func write(to dir: URL, metadata: [String: String]) throws -> URL {
        let fm = FileManager.default
        let tmp = dir.appendingPathComponent(".tmp-\(state.step)")
        let last = dir.appendingPathComponent("last"), previous = dir.appendingPathComponent(".previous")
        do {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
            try Checkpoint.recoverInterruptedWrite(in: dir)
            try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
            try SafeTensors.write(model, metadata: metadata, to: tmp.appendingPathComponent("model.safetensors"))
            FaultInjection.point(.checkpointModelWritten)
            try SafeTensors.write(optimizer.keys.sorted().map { ($0, optimizer[$0]!) }, metadata: [:],
                                  to: tmp.appendingPathComponent("optimizer.safetensors"))
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            let stateURL = tmp.appendingPathComponent("state.json")
            try enc.encode(state).write(to: stateURL)
            Checkpoint.fsync(stateURL)
            Checkpoint.fsync(tmp)
            FaultInjection.point(.checkpointStateWritten)
            try? fm.removeItem(at: previous)
            if fm.fileExists(atPath: last.path) { try fm.moveItem(at: last, to: previous) }
            FaultInjection.point(.checkpointLastMoved)
            try fm.moveItem(at: tmp, to: last)
            Checkpoint.fsync(dir)
            FaultInjection.point(.checkpointRenamed)
            try? fm.removeItem(at: previous)
        } catch {
            try? fm.removeItem(at: tmp)
            if !fm.fileExists(atPath: last.path), fm.fileExists(atPath: previous.path) {
                try? fm.moveItem(at: previous, to: last)
            }
            throw RunError.io(path: dir.path, detail: "\(error)")
        }
        return last
    }

    /// Cleans up after a write that was killed (SIGKILL, power loss): `.previous` without `last` becomes
    /// `last` again, `.previous` beside a complete `last` goes, and `.tmp-*` folders (never complete
    /// checkpoints: `read` ignores them) are removed. Called before each write and on resume.
    public static func recoverInterruptedWrite(in dir: URL) throws {
        let fm = FileManager.default
        let last = dir.appendingPathComponent("last"), previous = dir.appendingPathComponent(".previous")
        if !fm.fileExists(atPath: last.path), fm.fileExists(atPath: previous.path) {
            try fm.moveItem(at: previous, to: last)
            fsync(dir)
        } else if fm.fileExists(atPath: last.appendingPathComponent("state.json").path) {
            try? fm.removeItem(at: previous)
        }
        for name in (try? fm.contentsOfDirectory(atPath: dir.path)) ?? []
        where name.hasPrefix(".tmp-") || AtomicFileWriter.isLeftoverOfAnotherProcess(name) {
            try? fm.removeItem(at: dir.appendingPathComponent(name))
        }
    }

    /// Reads `dir/last` (or the `.previous` left by an interrupted write).
    public static func read(from dir: URL) throws -> Checkpoint {
        let fm = FileManager.default
        var folder = dir.appendingPathComponent("last")
        if !fm.fileExists(atPath: folder.path) { folder = dir.appendingPathComponent(".previous") }
        guard fm.fileExists(atPath: folder.appendingPathComponent("state.json").path) else {
            throw RunError.nothingToResume(dir: dir.deletingLastPathComponent().path)
        }
        let stateURL = folder.appendingPathComponent("state.json")
        let state = try State.decode(Data(contentsOf: stateURL), path: stateURL.path)
        let model = try SafeTensors.read(from: folder.appendingPathComponent("model.safetensors"))
        let opt = try SafeTensors.read(from: folder.appendingPathComponent("optimizer.safetensors"))
        var optimizer: [String: Tensor] = [:]
        for (k, t) in opt.tensors { optimizer[k] = t }
        return Checkpoint(model: model.tensors, optimizer: optimizer, state: state)
    }
}

extension Checkpoint.State {
    /// Parses the bytes of a checkpoint's `state.json`; a file that is not one is an error naming it
    /// (`path`) and the field at fault.
    public static func decode(_ data: Data, path: String) throws -> Checkpoint.State {
        do {
            return try JSONDecoder().decode(Checkpoint.State.self, from: data)
        } catch let error as DecodingError {
            let reason: String
            switch error {
            case let .keyNotFound(key, _): reason = "'\(key.stringValue)' is missing"
            case let .typeMismatch(_, ctx), let .valueNotFound(_, ctx), let .dataCorrupted(ctx):
                let field = ctx.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
                reason = field.isEmpty ? "not a JSON object of the loop position" : "'\(field)' is not valid (\(ctx.debugDescription))"
            @unknown default: reason = "\(error)"
            }
            throw RunError.data("\(path) is not a readable checkpoint state: \(reason); the checkpoint is damaged (checkpoints/epoch-NNN.safetensors keep the weights of each epoch)")
        }
    }

    /// The loop position must be one that a run of `stepsPerEpoch` optimizer steps per epoch, each of
    /// `accumulate` batches, reaches; checked on resume before anything is written (`file` names
    /// `state.json` in the error).
    public func checkPosition(stepsPerEpoch: Int, accumulate: Int, file: String) throws {
        // Overflow-checked: a damaged file may hold any counts (epoch 3e16 × 1,000 steps overflows Int).
        let (batches, batchesOverflow) = stepsPerEpoch.multipliedReportingOverflow(by: accumulate)
        let (reachable, stepsOverflow) = epoch < Int.max ? (epoch + 1).multipliedReportingOverflow(by: stepsPerEpoch) : (0, true)
        guard epoch >= 0, step >= 0, batchInEpoch >= 0, batchesOverflow || batchInEpoch <= batches,
              !stepsOverflow, step <= reachable else {
            throw RunError.data("\(file) says epoch \(epoch), step \(step), batch \(batchInEpoch), which no run of \(stepsPerEpoch) steps per epoch reaches: the checkpoint is damaged (checkpoints/epoch-NNN.safetensors keep the weights of each epoch)")
        }
    }
}
