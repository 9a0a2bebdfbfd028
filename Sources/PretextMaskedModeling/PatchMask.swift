import Foundation
import PretextTensor

/// The patch-mask generators of masked image modelling, as Lightly 1.6's `lightly.models.utils`, and the
/// conversions between their forms. A mask is either per image a list of masked patch indices
/// (0..<L, row-major over the patch grid; Lightly's `idx_mask` minus 1 for the class token) or a 0/1
/// tensor [N, L] (1 = masked; Lightly's boolean `mask` without the class-token column).
public enum PatchMask {
    /// SimMIM's random masking (Xie et al. 2022, arXiv:2111.09886, §3.1: random masking of square "mask
    /// patches" larger than the ViT's patches), as Lightly's `random_grid_token_mask` used by its SimMIM
    /// benchmark: the grid × grid patch grid is tiled into cells of `cell` × `cell` patches; per image a
    /// random ⌊cells · (1 − ratio)⌋ of the cells are kept and the rest masked. Returns per image the masked
    /// patch indices, cell by cell in the random cell order and row-major inside a cell (Lightly's order).
    /// Lightly's benchmark: ratio 0.6, cell 2 (32 px mask patches on a ViT/16).
    public static func randomGrid(batch: Int, grid: Int, cell: Int, ratio: Double, rng: inout RNG) throws -> [[Int]] {
        guard grid > 0, cell > 0, grid % cell == 0 else {
            throw TensorError.invalidArgument(op: "random_grid_mask", detail: "the patch grid side \(grid) must be a positive multiple of the mask cell side \(cell) (patches)")
        }
        let side = grid / cell, cells = side * side
        let keep = Int(Double(cells) * (1 - ratio))
        guard ratio > 0, ratio < 1, keep < cells else {
            throw TensorError.invalidArgument(op: "random_grid_mask", detail: "mask ratio \(ratio) must be in (0, 1) and mask at least one of the \(cells) cells of \(cell)×\(cell) patches")
        }
        return (0..<batch).map { _ in
            let order = rng.permutation(cells)
            var masked: [Int] = []
            masked.reserveCapacity((cells - keep) * cell * cell)
            for c in order[keep...] {
                let (cy, cx) = (c / side, c % side)
                for y in 0..<cell { for x in 0..<cell { masked.append((cy * cell + y) * grid + cx * cell + x) } }
            }
            return masked
        }
    }

    /// iBOT's block-wise masking (Zhou et al. 2022, arXiv:2111.07832; BEiT's blocks), as Lightly's
    /// `random_block_mask` (after DINOv2's `MaskingGenerator` and collate) used by its iBOT benchmark:
    /// ⌊B · batchMaskRatio⌋ images get masks, their target fractions spread over
    /// [minImageMaskRatio, maxImageMaskRatio] in equal bins (one uniform draw per bin); each such image is
    /// masked with random rectangles of at least `minPatchesPerBlock` patches and aspect ratio in
    /// [minAspect, 1/minAspect] (log-uniform) until the target count is reached or `maxAttempts` tries in a
    /// row add nothing; the other images stay unmasked; the order of the images is shuffled. Returns [B, H·W]
    /// (1 = masked). Lightly draws from Python's `random`; this draws the same distributions from `rng`.
    /// Lightly's defaults: 0.5, 0.1, 0.5, 4 patches, aspect 0.3, 10 attempts (its iBOT benchmark sets
    /// `minPatchesPerBlock` to (min(H, W) / 3)²).
    public static func randomBlock(batch: Int, height: Int, width: Int, batchMaskRatio: Double = 0.5,
                                   minImageMaskRatio: Double = 0.1, maxImageMaskRatio: Double = 0.5,
                                   minPatchesPerBlock: Int = 4, maxPatchesPerBlock: Int? = nil,
                                   minAspect: Double = 0.3, maxAspect: Double? = nil, maxAttempts: Int = 10,
                                   rng: inout RNG) throws -> Tensor {
        guard maxImageMaskRatio >= minImageMaskRatio else {
            throw TensorError.invalidArgument(op: "random_block_mask", detail: "max_image_mask_ratio \(maxImageMaskRatio) must be at least min_image_mask_ratio \(minImageMaskRatio)")
        }
        let images = Int(Double(batch) * batchMaskRatio)
        let l = height * width
        var masks: [[Float]] = []
        for i in 0..<images {
            // torch.linspace(min, max, images + 1) bins.
            let lo = minImageMaskRatio + (maxImageMaskRatio - minImageMaskRatio) * Double(i) / Double(images)
            let hi = minImageMaskRatio + (maxImageMaskRatio - minImageMaskRatio) * Double(i + 1) / Double(images)
            let count = Int(Double(l) * (lo + (hi - lo) * rng.uniformDouble()))
            masks.append(try blockMask(height: height, width: width, count: count, minPerBlock: minPatchesPerBlock,
                                       maxPerBlock: maxPatchesPerBlock, minAspect: minAspect, maxAspect: maxAspect,
                                       maxAttempts: maxAttempts, rng: &rng))
        }
        for _ in images..<Swift.max(images, batch) { masks.append([Float](repeating: 0, count: l)) }
        // random.shuffle (Fisher-Yates from the end).
        if masks.count > 1 {
            for i in stride(from: masks.count - 1, to: 0, by: -1) { masks.swapAt(i, rng.int(below: i + 1)) }
        }
        return Tensor(shape: [batch, l], scalars: masks.flatMap { $0 })
    }

    /// One image's block mask [H·W] with about `count` masked patches (Lightly's `random_block_mask_image`).
    public static func blockMask(height: Int, width: Int, count: Int, minPerBlock: Int = 4, maxPerBlock: Int? = nil,
                                 minAspect: Double = 0.3, maxAspect: Double? = nil, maxAttempts: Int = 10,
                                 rng: inout RNG) throws -> [Float] {
        let maxAspect = maxAspect ?? 1 / minAspect
        let maxPerBlock = maxPerBlock ?? count
        guard maxPerBlock >= minPerBlock else {
            throw TensorError.invalidArgument(op: "random_block_mask", detail: "an image is to get \(count) masked patches, fewer than the smallest block of \(minPerBlock) patches: raise the mask ratios or lower min_num_masks_per_block")
        }
        guard minAspect > 0, maxAspect >= minAspect else {
            throw TensorError.invalidArgument(op: "random_block_mask", detail: "block aspect ratios [\(minAspect), \(maxAspect)] must be positive and ordered")
        }
        let (logMin, logMax) = (Foundation.log(minAspect), Foundation.log(maxAspect))
        var mask = [Float](repeating: 0, count: height * width)
        var masked = 0
        while masked < count {
            let maxNew = Swift.min(count - masked, maxPerBlock)
            var delta = 0
            for _ in 0..<maxAttempts {
                let area = Double(minPerBlock) + Double(maxNew - minPerBlock) * rng.uniformDouble()
                let aspect = Foundation.exp(logMin + (logMax - logMin) * rng.uniformDouble())
                // Python's round(): halves to even.
                let h = Int((area * aspect).squareRoot().rounded(.toNearestOrEven))
                let w = Int((area / aspect).squareRoot().rounded(.toNearestOrEven))
                if w < width && h < height {
                    let top = rng.int(below: height - h + 1), left = rng.int(below: width - w + 1)
                    var already = 0
                    for y in top..<(top + h) { for x in left..<(left + w) where mask[y * width + x] != 0 { already += 1 } }
                    let new = h * w - already
                    if new > 0 && new <= maxNew {
                        for y in top..<(top + h) { for x in left..<(left + w) { mask[y * width + x] = 1 } }
                        delta += new
                    }
                }
                if delta > 0 { break }
            }
            if delta == 0 { break }
            masked += delta
        }
        return mask
    }

    /// Masked index lists → a 0/1 mask [N, patches].
    public static func tensor(masked: [[Int]], patches: Int) throws -> Tensor {
        var m = [Float](repeating: 0, count: masked.count * patches)
        for (i, idx) in masked.enumerated() {
            for p in idx {
                guard p >= 0, p < patches else {
                    throw TensorError.invalidArgument(op: "patch_mask", detail: "patch index \(p) of image \(i) is outside 0..<\(patches)")
                }
                m[i * patches + p] = 1
            }
        }
        return Tensor(shape: [masked.count, patches], scalars: m)
    }

    /// A 0/1 mask [N, L] → per image the masked indices, ascending.
    public static func indices(_ mask: Tensor) -> [[Int]] {
        let (n, l) = (mask.shape[0], mask.shape[1]), m = mask.scalars
        return (0..<n).map { i in (0..<l).filter { m[i * l + $0] != 0 } }
    }

    /// Rows of tokens [N, T, D] picked per image: `indices[i]` (+ `offset`, 1 to skip a class token),
    /// concatenated over the images → [Σ counts, D] (Lightly's `features[mask]`), differentiable.
    public static func select(_ tokens: Tensor, _ indices: [[Int]], offset: Int = 0) throws -> Tensor {
        guard tokens.rank == 3, indices.count == tokens.shape[0] else {
            throw TensorError.invalidArgument(op: "patch_mask", detail: "expects tokens [N, T, D] and one index list per image, got \(tokens.shape) and \(indices.count) lists")
        }
        let (n, t, d) = (tokens.shape[0], tokens.shape[1], tokens.shape[2])
        var rows: [Int] = []
        for (i, idx) in indices.enumerated() {
            for p in idx {
                guard p + offset >= 0, p + offset < t else {
                    throw TensorError.invalidArgument(op: "patch_mask", detail: "index \(p) (+\(offset)) of image \(i) is outside the \(t) tokens")
                }
                rows.append(i * t + p + offset)
            }
        }
        return try tokens.reshaped([n * t, d]).indexSelect(axis: 0, indices: rows)
    }
}
