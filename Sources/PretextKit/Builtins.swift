import PretextCore
import PretextData
import PretextNN
import PretextTensor

/// Registers the kit's shared building blocks under their names: schedules, losses, view presets
/// (and, in `Builtins+Networks.swift`, backbones, heads and optimizers). Methods come from plugins.
public enum Builtins {
    public static func register(in registry: Registry) throws {
        try registerSchedules(registry)
        try registerLosses(registry)
        try registerTransforms(registry)
        try registerNetworks(registry)
        try registerRedundancyReduction(registry)
        try registerSwaV(registry)
    }

    static func registerLosses(_ r: Registry) throws {
        try r.registerLoss("ntxent", summary: "NT-Xent / InfoNCE with an optional memory bank (SimCLR, MoCo)") { c, ctx in
            let t = try c.float("temperature", 0.5, "softmax temperature", greaterThan: 0)
            let bankSize = try c.int("memory_bank_size", 0, "size of the negative queue (0 = none)", range: 0...16_777_216)
            var bank: MemoryBank?
            if bankSize > 0 {
                let dim = try c.int("memory_bank_dim", 128, "embedding size stored in the queue", range: Builtins.widths)
                bank = MemoryBank(size: bankSize, dim: dim, rng: &ctx.rng)
            }
            let gather = try c.bool("gather_distributed", true, "under mpirun: negatives (and queued keys) from every rank's batch, as one process with the whole batch (Lightly's gather_distributed); false = this rank's batch only")
            bank?.gatherDistributed = gather
            return NTXentLoss(temperature: t, memoryBank: bank, gatherDistributed: gather)
        }
        try r.registerLoss("mocov3", summary: "MoCo v3: InfoNCE of queries against in-batch keys, scaled by 2τ (official moco-v3 ctr loss)") { c, _ in
            let loss = MoCoV3Loss(temperature: try c.float("temperature", 0.2, "softmax temperature τ (the paper: 0.2 for ViTs, 1.0 for ResNets)", greaterThan: 0))
            loss.gatherDistributed = try DistributedBatch.setting(c)
            return loss
        }
        try r.registerLoss("negative-cosine-similarity", summary: "negative cosine similarity of predictions and targets (BYOL, SimSiam; Lightly NegativeCosineSimilarity)") { c, _ in
            NegativeCosineSimilarityLoss(eps: try c.float("eps", 1e-8, "norms below this count as this"))
        }
        try r.registerLoss("cross-entropy", summary: "cross-entropy over logits and integer labels, optional label smoothing") { c, _ in
            CrossEntropyLoss(labelSmoothing: try c.float("label_smoothing", 0, "label smoothing ε"))
        }
    }
}
