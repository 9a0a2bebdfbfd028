import PretextCore
import PretextTensor

/// The whole batch of a data-parallel job for losses that are functions of all of it (Barlow Twins'
/// cross-correlation, VICReg's variance and covariance, DCL's negatives and weights, MoCo v3's in-batch
/// keys, SwAV's Sinkhorn codes): every rank computes the loss of the gathered batch, exactly as one
/// process with the whole batch would; gradients flow back to each rank's own rows (`allGathered`).
///
/// Why the gradients come out right: every rank's loss is the same L, so the gathered backward gives
/// each rank's rows N·∂L/∂rows and the data-parallel average over N ranks gives ∂L/∂θ. Lightly's
/// `gather_distributed` losses gather in the same way (Barlow Twins all-reduces its cross-correlation
/// instead, but standardises each GPU's batch separately; here the standardisation sees the whole
/// batch, so the result equals one process's).
public enum DistributedBatch {
    /// `tensors` ([B, …] each) with every rank's rows in rank order; unchanged for one process or when
    /// `enabled` is false (then each rank's loss sees its own batch only).
    public static func gathered(_ tensors: [Tensor], enabled: Bool = true, group: ProcessGroup = .world) throws -> [Tensor] {
        guard enabled, group.isDistributed else { return tensors }
        return try tensors.map { try $0.allGathered(group) }
    }

    /// The config getter every whole-batch loss shares (`gather_distributed`, default true).
    public static func setting(_ c: ConfigSection) throws -> Bool {
        try c.bool("gather_distributed", true, "under mpirun: the loss sees every rank's batch, as one process with the whole batch (Lightly's gather_distributed); false = each rank's own batch")
    }
}
