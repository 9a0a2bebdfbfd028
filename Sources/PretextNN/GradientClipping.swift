import PretextTensor

/// Clips gradients by their global L2 norm, as `torch.nn.utils.clip_grad_norm_`: the norm over all
/// gradients together (parameters without a gradient are skipped); when it exceeds `maxNorm` every
/// gradient is scaled by maxNorm / (norm + 1e-6). Returns the norm before clipping (DINO clips at 3.0
/// per parameter tensor, MAE/ViT recipes often at 1.0 globally). Throws for a non-positive `maxNorm`.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Float) throws -> Float {
    guard maxNorm > 0, maxNorm.isFinite else {
        throw OptimizerError.invalidSetting(optimizer: "clip_grad_norm", detail: "max norm must be positive and finite, got \(maxNorm)")
    }
    var total: Double = 0
    for p in parameters {
        guard let g = p.grad else { continue }
        let gp = g.storage.pointer
        for i in 0..<g.count { total += Double(gp[i]) * Double(gp[i]) }
    }
    let norm = Float(total.squareRoot())
    let coef = maxNorm / (norm + 1e-6)
    if coef < 1 {
        for p in parameters {
            guard let g = p.grad else { continue }
            let gp = g.storage.pointer
            for i in 0..<g.count { gp[i] *= coef }
        }
    }
    return norm
}
