import PretextTensor

extension ParameterGroup {
    /// Whether a parameter is exempt from weight decay (and from LARS adaptation): biases, norm
    /// weights and every other tensor of rank ≤ 1, plus the ViT's `cls_token`, `pos_embed` and MAE's
    /// `mask_token` — the rule of timm's `param_groups_weight_decay`, DINO's `get_params_groups` and MAE.
    public static func isNoDecay(key: String, tensor: Tensor) -> Bool {
        if tensor.rank <= 1 || key.hasSuffix(".bias") || key == "bias" { return true }
        let last = key.split(separator: ".").last.map(String.init) ?? key
        return ["cls_token", "pos_embed", "mask_token", "dist_token", "reg_token"].contains(last)
    }

    /// Splits a module's trainable parameters (requiresGrad) into a weight-decayed group and a
    /// no-decay group (weight decay 0, excluded from LARS adaptation), keys prefixed with `prefix`
    /// ("backbone" → "backbone.conv1.weight"). Empty groups are dropped.
    public static func decayAndNoDecay(_ module: Module, prefix: String = "", learningRateScale: Float = 1,
                                       weightDecay: Float? = nil) -> [ParameterGroup] {
        var decay: [(key: String, tensor: Tensor)] = [], noDecay: [(key: String, tensor: Tensor)] = []
        for (key, t) in module.namedParameters() where t.requiresGrad {
            let full = prefix.isEmpty ? key : prefix + "." + key
            if isNoDecay(key: key, tensor: t) { noDecay.append((full, t)) } else { decay.append((full, t)) }
        }
        let name = prefix.isEmpty ? "" : prefix + "."
        var out: [ParameterGroup] = []
        if !decay.isEmpty {
            out.append(ParameterGroup(name: name + "decay", parameters: decay, learningRateScale: learningRateScale,
                                      weightDecay: weightDecay))
        }
        if !noDecay.isEmpty {
            out.append(ParameterGroup(name: name + "no_decay", parameters: noDecay, learningRateScale: learningRateScale,
                                      weightDecay: 0, excludeFromAdaptation: true))
        }
        return out
    }
}
