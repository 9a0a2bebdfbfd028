import PretextCore
import PretextNN

extension MethodBuilder {
    /// MoCo v3's "frozen random patch projection" (Chen, Xie, He 2021, arXiv:2104.02057, §5 "Random
    /// patch projection"; the official `vits.py` sets `patch_embed.proj.weight/bias.requires_grad =
    /// False`): the ViT's patch-embedding projection keeps its random initialisation and is never trained,
    /// which the paper found to stabilise training. Read from `method.freeze_patch_embed` (default
    /// `byDefault`); when on, every `PatchEmbed` layer in `backbone` stops requiring gradients, so
    /// backward skips its weight gradient and the optimizer (built from the parameters that require
    /// gradients) never updates it. A backbone without a patch embedding (a ResNet) has nothing to freeze.
    /// Returns the frozen parameter keys (empty when off or none). Lightly 1.6 has no such option (set
    /// `requires_grad = False` on `patch_embed` by hand, as `Tests/Fixtures/lightly_extra_methods.py` does).
    @discardableResult
    public func freezePatchEmbedding(of backbone: any Backbone, default byDefault: Bool) throws -> [String] {
        let on = try config.bool("freeze_patch_embed", byDefault, "keep the ViT's random patch projection fixed (MoCo v3's stability trick); ignored by backbones without a patch embedding")
        guard on else { return [] }
        var frozen: [String] = []
        for (prefix, module) in backbone.namedModules() where module is PatchEmbed {
            module.freeze()
            frozen += module.namedParameters().map { prefix.isEmpty ? $0.key : "\(prefix).\($0.key)" }
        }
        return frozen
    }
}
