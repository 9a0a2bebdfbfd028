import Foundation
import PretextCore
import PretextNN
import PretextTensor

/// A finished (or checkpointed) run opened again: its method rebuilt from `config.yaml` and the
/// checkpoint's weights loaded, plus the normalisation its views used (exported with the weights).
public struct RunArtifacts {
    public let method: any Method
    public let methodName: String
    public let spec: RunSpec
    public let normalization: Normalization

    /// Input normalisation stored with a run: mean/std in [0, 1] units, RGB, and the input size.
    public struct Normalization {
        public var mean: [Float] = [0.485, 0.456, 0.406]
        public var std: [Float] = [0.229, 0.224, 0.225]
        public var inputSize: Int = 224
        public var metadata: [String: String] {
            ["mean": mean.map { String($0) }.joined(separator: ","), "std": std.map { String($0) }.joined(separator: ","),
             "input_size": String(inputSize)]
        }
    }

    public static func load(runDir: String, checkpoint: String = "last", registry: Registry = .shared) throws -> RunArtifacts {
        let dir = URL(fileURLWithPath: runDir)
        let configURL = dir.appendingPathComponent("config.yaml")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw RunError.data("'\(runDir)' is not a run folder: it has no config.yaml (give the --out folder of a training run)")
        }
        let spec = RunSpec(tree: try ConfigFile.load(configURL.path))
        let (method, name) = try Trainer.buildMethod(spec: spec, registry: registry)
        let ckptDir = dir.appendingPathComponent("checkpoints")
        if checkpoint == "last" {
            let ckpt = try Checkpoint.read(from: ckptDir)
            try Trainer.loadModelState(method, ckpt.model, source: ckptDir.path)
        } else {
            guard let epoch = Int(checkpoint) else {
                throw RunError.data("--checkpoint takes 'last' or an epoch number, not '\(checkpoint)'")
            }
            let file = ckptDir.appendingPathComponent(String(format: "epoch-%03d.safetensors", epoch))
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw RunError.data("'\(file.path)' does not exist (was train.keep_epoch_checkpoints off, or the epoch out of range?)")
            }
            try Trainer.loadModelState(method, try SafeTensors.read(from: file).tensors, source: file.path)
        }
        for m in method.modules.values { m.eval() }
        var norm = Normalization()
        let views = spec.tree["views"]
        if case let .list(l)? = views?["mean"] { norm.mean = l.compactMap { if case let .double(d) = $0 { return Float(d) }; if case let .int(i) = $0 { return Float(i) }; return nil } }
        if case let .list(l)? = views?["std"] { norm.std = l.compactMap { if case let .double(d) = $0 { return Float(d) }; if case let .int(i) = $0 { return Float(i) }; return nil } }
        if case let .int(s)? = views?["input_size"] { norm.inputSize = s }
        return RunArtifacts(method: method, methodName: name, spec: spec, normalization: norm)
    }
}
