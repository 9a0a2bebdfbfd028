import Foundation
import PretextCore
import PretextData
import PretextKit
import PretextNN
import PretextTensor

/// The parts of a run other commands rebuild too (evaluation, export, fine-tuning): the dataset, the
/// method from a run's configuration, parameter groups and the model state of checkpoints.
extension Trainer {
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

    /// A new run whose `backbone.init` names a file starts from those weights (continued pretraining, e.g.
    /// from ImageNet weights on one's own images): they replace the backbone's random — or method-specific,
    /// such as MAE's — initialisation after the method is built, and every momentum target becomes a copy
    /// of its online network again, as a method's constructor makes it. Returns what to tell the user.
    static func loadInitialWeights(_ config: RunConfiguration) throws -> String? {
        guard let path = config.initialWeights else { return nil }
        let ignored: [String]
        do {
            ignored = try FineTuner.loadBackbone(config.method.backbone, from: path).ignored
        } catch {
            throw ConfigError.invalidValue(path: "backbone.init", detail: "cannot start the \(config.backboneName) backbone from '\(path)': \(error) — give the safetensors file of a backbone of this architecture (`ssl-run export RUN --out FILE`, or torchvision/timm weights saved with safetensors), or leave backbone.init out to start from random weights")
        }
        for t in config.method.momentumTargets { try EMA.copy(into: t.target, from: t.online) }
        let targets = config.method.momentumTargets.isEmpty ? "" : ", momentum targets copied from it"
        return "backbone weights from \(path)\(targets)" + (ignored.isEmpty ? "" : " (ignored: \(ignored.joined(separator: ", ")))")
    }

    /// Rebuilds a run's method from its configuration (weights freshly initialised; load a checkpoint after).
    public static func buildMethod(spec: RunSpec, registry: Registry) throws -> (any Method, String) {
        let config = try RunConfiguration(spec: spec, registry: registry, outputDirectory: nil) { _ in 1 }
        return (config.method, config.methodName)
    }
}
