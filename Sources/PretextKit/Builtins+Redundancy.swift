import PretextCore
import PretextNN

extension Builtins {
    /// The redundancy-reduction family's losses and heads (Barlow Twins, VICReg), and the decoupled
    /// contrastive losses (DCL, DCLW), shared through the registry so a plugin of the family reuses them.
    static func registerRedundancyReduction(_ r: Registry) throws {
        try r.registerLoss("barlow-twins", summary: "Barlow Twins: cross-correlation of standardised embeddings to the identity (Lightly BarlowTwinsLoss)") { c, _ in
            let loss = BarlowTwinsLoss(lambda: try c.float("lambda", 5e-3, "weight of the redundancy-reduction (off-diagonal) term", greaterThan: 0))
            loss.gatherDistributed = try DistributedBatch.setting(c)
            return loss
        }
        try r.registerLoss("vicreg", summary: "VICReg: invariance (MSE) + variance hinge + covariance (Lightly VICRegLoss)") { c, _ in
            let loss = VICRegLoss(invariance: try c.float("invariance_weight", 25, "λ, weight of the MSE between the views", greaterThan: 0),
                       variance: try c.float("variance_weight", 25, "μ, weight of the variance hinge", greaterThan: 0),
                       covariance: try c.float("covariance_weight", 1, "ν, weight of the covariance term", greaterThan: 0),
                       eps: try c.float("eps", 1e-4, "added to the variance before the square root", greaterThan: 0))
            loss.gatherDistributed = try DistributedBatch.setting(c)
            return loss
        }
        try r.registerLoss("dcl", summary: "DCL: NT-Xent without the positive in the denominator (Lightly DCLLoss)") { c, _ in
            let loss = DCLLoss(temperature: try c.float("temperature", 0.1, "τ, similarities are divided by it", greaterThan: 0))
            loss.gatherDistributed = try DistributedBatch.setting(c)
            return loss
        }
        try r.registerLoss("dclw", summary: "DCLW: DCL with von Mises-Fisher weights on the positives (Lightly DCLWLoss)") { c, _ in
            let loss = DCLLoss(temperature: try c.float("temperature", 0.1, "τ, similarities are divided by it", greaterThan: 0),
                               sigma: try c.float("sigma", 0.5, "σ of the positives' weighting", greaterThan: 0))
            loss.gatherDistributed = try DistributedBatch.setting(c)
            return loss
        }
        try r.registerHead("barlow-twins-projection", summary: "Barlow Twins projector: 2 × Linear-BN-ReLU, Linear (Lightly BarlowTwinsProjectionHead)") { c, inDim, ctx in
            ProjectionHead.barlowTwins(inDim: inDim, hiddenDim: try c.int("hidden_dim", 8192, "hidden width", range: Builtins.widths),
                                       outDim: try c.int("output_dim", 8192, "embedding size", range: Builtins.widths), rng: &ctx.rng)
        }
        try r.registerHead("vicreg-projection", summary: "VICReg expander: (num_layers − 1) × Linear-BN-ReLU, Linear (Lightly VICRegProjectionHead)") { c, inDim, ctx in
            ProjectionHead.vicreg(inDim: inDim, hiddenDim: try c.int("hidden_dim", 8192, "hidden width", range: Builtins.widths),
                                  outDim: try c.int("output_dim", 8192, "embedding size", range: Builtins.widths),
                                  numLayers: try c.int("num_layers", 3, "linear layers", range: 2...64), rng: &ctx.rng)
        }
    }
}
