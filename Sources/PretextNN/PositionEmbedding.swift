import Foundation
import PretextTensor

/// Position-embedding utilities for ViTs: resampling a learned embedding to another patch grid (as
/// timm's `resample_abs_pos_embed`), and the fixed 2-D sine-cosine embedding of MAE (Lightly's
/// `get_2d_sine_cosine_positional_embedding`).
public enum PositionEmbedding {
    /// The matrix R [newSize, oldSize] of PyTorch's `F.interpolate(mode="bicubic", antialias=True,
    /// align_corners=False)` along one axis (the Pillow-style separable filter PyTorch uses for
    /// antialiasing: cubic kernel with a = −0.5, support scaled by the downsampling factor, weights
    /// normalised to sum 1). This is what timm applies to position embeddings
    /// (`resample_abs_pos_embed(..., interpolation='bicubic', antialias=True)`) and therefore what the
    /// reference recipe's `dynamic_img_size` ViT and Lightly's `MaskedVisionTransformerTIMM` use.
    /// (DINO's original `interpolate_pos_encoding` uses plain bicubic, a = −0.75, without antialias; the
    /// two differ slightly when downsampling.)
    public static func bicubicAntialiasWeights(from oldSize: Int, to newSize: Int) -> [[Double]] {
        let scale = Double(oldSize) / Double(newSize)
        let support = scale >= 1 ? 2 * scale : 2.0
        let invScale = scale >= 1 ? 1 / scale : 1.0
        func filter(_ x: Double) -> Double {
            let a = -0.5, t = Swift.abs(x)
            if t < 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
            if t < 2 { return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a }
            return 0
        }
        var r = [[Double]](repeating: [Double](repeating: 0, count: oldSize), count: newSize)
        for i in 0..<newSize {
            let center = scale * (Double(i) + 0.5)
            let xmin = Swift.max(Int(center - support + 0.5), 0)       // truncation toward zero, as C++
            let xmax = Swift.min(Int(center + support + 0.5), oldSize)
            var total = 0.0
            var w = [Double](repeating: 0, count: Swift.max(xmax - xmin, 0))
            for j in 0..<w.count {
                w[j] = filter((Double(j + xmin) - center + 0.5) * invScale)
                total += w[j]
            }
            for j in 0..<w.count { r[i][xmin + j] = total != 0 ? w[j] / total : 0 }
        }
        return r
    }

    /// The linear map from an old grid's tokens to a new grid's, with `prefixTokens` (class token)
    /// passed through unchanged: [prefix + newH·newW, prefix + oldH·oldW]. Row-major token order.
    public static func resampleMatrix(from old: (Int, Int), to new: (Int, Int), prefixTokens: Int = 1) -> Tensor {
        let rh = bicubicAntialiasWeights(from: old.0, to: new.0)
        let rw = bicubicAntialiasWeights(from: old.1, to: new.1)
        let rows = prefixTokens + new.0 * new.1, cols = prefixTokens + old.0 * old.1
        return Tensor(shape: [rows, cols]) { b in
            b.update(repeating: 0)
            for i in 0..<prefixTokens { b[i * cols + i] = 1 }
            for y in 0..<new.0 {
                for x in 0..<new.1 {
                    let row = prefixTokens + y * new.1 + x
                    for oy in 0..<old.0 where rh[y][oy] != 0 {
                        for ox in 0..<old.1 where rw[x][ox] != 0 {
                            b[row * cols + prefixTokens + oy * old.1 + ox] = Float(rh[y][oy] * rw[x][ox])
                        }
                    }
                }
            }
        }
    }

    /// Resamples a position embedding [1, prefix + oldH·oldW, D] to a new grid (differentiable: one
    /// matrix product, so gradients reach the learned embedding). Returns the input when the grid is
    /// unchanged, as timm does.
    public static func resample(_ posEmbed: Tensor, from old: (Int, Int), to new: (Int, Int), prefixTokens: Int = 1) throws -> Tensor {
        if old == new { return posEmbed }
        guard posEmbed.rank == 3, posEmbed.shape[0] == 1, posEmbed.shape[1] == prefixTokens + old.0 * old.1 else {
            throw TensorError.invalidArgument(op: "resample_pos_embed", detail: "expects [1, \(prefixTokens) + \(old.0)·\(old.1), D], got \(posEmbed.shape)")
        }
        let m = resampleMatrix(from: old, to: new, prefixTokens: prefixTokens)
        return try m.matmul(posEmbed.reshaped(Array(posEmbed.shape.dropFirst()))).unsqueezed(0)
    }

    /// MAE's fixed 2-D sine-cosine embedding [prefix + g·g, dim] (He et al. 2022; Lightly's
    /// `get_2d_sine_cosine_positional_embedding`): for the patch in row r, column c, the first half of
    /// the dimensions encodes c and the second half r, each as [sin(pos·ω_k), cos(pos·ω_k)] with
    /// ω_k = 10000^(−k/(dim/4)); prefix (class) tokens get zeros. `dim` must be a multiple of 4.
    public static func sinCos2D(dim: Int, gridSize: Int, prefixTokens: Int = 1) -> Tensor {
        precondition(dim % 4 == 0, "sin-cos position embedding needs dim divisible by 4, got \(dim)")
        let quarter = dim / 4
        let omega: [Float] = (0..<quarter).map { k in
            let e = Float(k) / (Float(dim) / 4)   // float32 like numpy's arange(dtype=float32) / (dim/4)
            return 1 / Float(Foundation.pow(10000.0, Double(e)))
        }
        let count = prefixTokens + gridSize * gridSize
        return Tensor(shape: [count, dim]) { b in
            b.update(repeating: 0)
            for r in 0..<gridSize {
                for c in 0..<gridSize {
                    let row = (prefixTokens + r * gridSize + c) * dim
                    for (half, pos) in [(0, Float(c)), (1, Float(r))] {
                        let base = row + half * 2 * quarter
                        for k in 0..<quarter {
                            let v = Double(pos * omega[k])
                            b[base + k] = Float(Foundation.sin(v))
                            b[base + quarter + k] = Float(Foundation.cos(v))
                        }
                    }
                }
            }
        }
    }
}
