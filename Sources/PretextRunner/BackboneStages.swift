import PretextNN

/// The stages of a backbone, input side first, as parameter-key prefixes — what `--freeze-stages N`
/// freezes (the first N) and gradual unfreezing releases (the deepest frozen one first):
/// - ResNet: the stem (`conv1`, `bn1`), then `layer1` … `layer4`;
/// - ViT: the embedding (`patch_embed`, `cls_token`, `pos_embed`), then `blocks.0` … `blocks.{depth-1}`, then `norm`;
/// - any other network: its top-level parameter groups in declaration order (`blocks.3` counts as one).
public enum BackboneStages {
    public static func stages(of backbone: Module) -> [[String]] {
        if backbone is ResNet {
            return [["conv1", "bn1"], ["layer1"], ["layer2"], ["layer3"], ["layer4"]]
        }
        if let vit = backbone as? VisionTransformer {
            return [["patch_embed", "cls_token", "pos_embed"]] + (0..<vit.depth).map { ["blocks.\($0)"] } + [["norm"]]
        }
        var units: [String] = []
        for (key, _) in backbone.namedParameters() {
            let parts = key.split(separator: ".")
            let unit = parts.count >= 2 && Int(parts[1]) != nil ? "\(parts[0]).\(parts[1])" : String(parts[0])
            if units.last != unit && !units.contains(unit) { units.append(unit) }
        }
        return units.map { [$0] }
    }

    /// Whether `key` (a parameter or module key) belongs to the stage with these prefixes.
    public static func contains(_ prefixes: [String], key: String) -> Bool {
        prefixes.contains { key == $0 || key.hasPrefix($0 + ".") }
    }
}
