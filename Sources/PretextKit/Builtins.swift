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
        try registerTransformerLosses(registry)
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
            return NTXentLoss(temperature: t, memoryBank: bank)
        }
        try r.registerLoss("negative-cosine-similarity", summary: "negative cosine similarity of predictions and targets (BYOL, SimSiam; Lightly NegativeCosineSimilarity)") { c, _ in
            NegativeCosineSimilarityLoss(eps: try c.float("eps", 1e-8, "norms below this count as this"))
        }
        try r.registerLoss("cross-entropy", summary: "cross-entropy over logits and integer labels, optional label smoothing") { c, _ in
            CrossEntropyLoss(labelSmoothing: try c.float("label_smoothing", 0, "label smoothing ε"))
        }
    }

    /// The doc of a `views` key (snake_case or camelCase) from `TransformConfig.keyDocs`.
    static func viewKeyDoc(_ key: String) -> String {
        var camel = ""
        var upper = false
        for ch in key {
            if ch == "_" { upper = true; continue }
            camel += upper ? ch.uppercased() : String(ch)
            upper = false
        }
        return TransformConfig.keyDocs.first { $0.key == camel }?.doc ?? ""
    }

    /// Every view preset of `TransformConfig`, configured from the `views` section (snake_case keys).
    static func registerTransforms(_ r: Registry) throws {
        let presets: [(String, String)] = [
            ("simclr", "SimCLR: 2 views, crop + flip + colour jitter + grayscale + blur (Lightly SimCLRTransform)"),
            ("mocov2", "MoCo v2: 2 views as SimCLR with MoCo's jitter (Lightly MoCoV2Transform)"),
            ("byol", "BYOL: 2 asymmetric views (blur 1.0/0.1, solarize 0/0.2)"),
            ("dino", "DINO multi-crop: 2 global + N local crops"),
            ("mae", "MAE: random resized crop + flip"),
            ("rotation", "RotNet: 4 copies rotated 0/90/180/270 with labels"),
            ("jigsaw", "Jigsaw: 3×3 tiles and a permutation index"),
            ("eval", "evaluation: optional resize + centre crop, normalise"),
        ]
        for (name, summary) in presets {
            try r.registerTransform(name, summary: summary) { c, _ in
                var dict: [String: Any] = ["preset": name]
                c.accept("preset")
                c.passThrough("preset", doc: Builtins.viewKeyDoc("preset"))
                for (key, value) in c.values.sorted(by: { $0.key < $1.key }) where key != "preset" {
                    if let v = value.anyValue { dict[key] = v }
                    c.accept(key)
                    c.passThrough(key, doc: Builtins.viewKeyDoc(key))
                }
                do {
                    return try TransformConfig(dictionary: dict).makeTransform()
                } catch {
                    throw ConfigError.invalidValue(path: c.path, detail: "\(error)")
                }
            }
        }
    }
}
