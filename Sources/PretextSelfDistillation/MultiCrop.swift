import PretextTensor

/// Running a network over multi-crop views (SwAV, Caron et al. 2020, arXiv:2006.09882; DINO):
/// consecutive views of the same shape are concatenated into one batch, run once, and split back —
/// fewer, larger matrix products, the same outputs for networks without batch statistics (ViTs, the
/// DINO head without batch-norm). With `concatenate: false` every view runs on its own (what a
/// batch-norm network needs for per-view statistics, as Lightly's examples do).
public enum MultiCrop {
    /// `body` applied to every view [B, …], results in view order (each [B, …]).
    public static func apply(_ views: [Tensor], concatenate: Bool, _ body: (Tensor) throws -> Tensor) throws -> [Tensor] {
        guard concatenate else { return try views.map(body) }
        var out: [Tensor] = []
        out.reserveCapacity(views.count)
        var i = 0
        while i < views.count {
            var j = i + 1
            while j < views.count && views[j].shape == views[i].shape { j += 1 }
            if j - i == 1 {
                out.append(try body(views[i]))
            } else {
                let n = views[i].shape[0]
                let y = try body(Tensor.cat(Array(views[i..<j]), axis: 0))
                for g in 0..<(j - i) { out.append(try y.narrowed(axis: 0, start: g * n, length: n)) }
            }
            i = j
        }
        return out
    }
}
