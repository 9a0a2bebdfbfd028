import PretextCore
import PretextNN

/// Split batch-norm (Lightly's `SplitBatchNorm`): in training, each batch-norm layer computes its
/// statistics separately over `splits` groups of the batch (images i ≡ k mod splits), which with a
/// shuffled key batch emulates MoCo's multi-GPU shuffle-BN on one device. Evaluation is unchanged.
public enum BatchNormSplits {
    public static func set(_ splits: Int, in module: Module) throws {
        guard splits >= 1 else {
            throw ConfigError.invalidValue(path: "method.batchnorm_splits", detail: "must be at least 1")
        }
        for (_, m) in module.namedModules() {
            if let bn = m as? BatchNorm { bn.splits = splits }
        }
    }
}
