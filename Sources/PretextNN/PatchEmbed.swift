import PretextTensor

/// Image to patch tokens as timm's `PatchEmbed`: `proj` = Conv2d(3, dim, kernel p, stride p) (keys
/// `proj.weight` [dim, 3, p, p], `proj.bias`), output tokens [N, (H/p)·(W/p), dim] in row-major patch
/// order. Because the patches do not overlap, the convolution is computed as one copy of the pixels
/// into patch rows plus one GEMM against the weight viewed as [dim, 3·p·p] — no im2col and no
/// transpose of the output. H and W must be multiples of p.
public final class PatchEmbed: Module, Layer {
    public let proj: Conv2d
    public let patchSize: Int

    public init(patchSize: Int, inChannels: Int = 3, dim: Int, initialize: Bool = true, rng: inout RNG) {
        self.patchSize = patchSize
        proj = Conv2d(inChannels, dim, kernelSize: patchSize, stride: patchSize, initialize: initialize, rng: &rng)
        super.init()
    }

    /// Patch grid (rows, columns) for an image size.
    public func grid(height: Int, width: Int) throws -> (Int, Int) {
        guard height % patchSize == 0, width % patchSize == 0, height > 0, width > 0 else {
            throw TensorError.invalidArgument(op: "patch_embed", detail: "image size \(height)×\(width) is not a multiple of the patch size \(patchSize); resize or crop the images")
        }
        return (height / patchSize, width / patchSize)
    }

    public func callAsFunction(_ images: Tensor) throws -> Tensor {
        let rows = try patchRows(images)
        return try rows.linear(weight: projectionMatrix(), bias: proj.bias)
    }

    /// The tokens of only the patches `indices` [indices.count, dim], each index `i·L + p` for patch `p`
    /// of image `i` (L patches per image): what a masked encoder keeps, without embedding the patches it
    /// drops (MAE keeps a quarter, so three quarters of this GEMM and of its weight gradient are saved).
    /// Equal to `callAsFunction(images)` viewed as [N·L, dim], then those rows.
    public func callAsFunction(_ images: Tensor, selecting indices: [Int]) throws -> Tensor {
        let rows = try patchRows(images)
        let flat = try rows.reshaped([rows.shape[0] * rows.shape[1], rows.shape[2]]).indexSelect(axis: 0, indices: indices)
        return try flat.linear(weight: projectionMatrix(), bias: proj.bias)
    }

    /// Pixels regrouped into one row per patch [N, L, C·p·p] (channel, then row, then column: the conv
    /// weight's layout).
    func patchRows(_ images: Tensor) throws -> Tensor {
        let c = proj.inChannels
        guard images.rank == 4, images.shape[1] == c else {
            throw TensorError.invalidArgument(op: "patch_embed", detail: "expects images [N, \(c), H, W], got \(images.shape)")
        }
        let (n, p) = (images.shape[0], patchSize)
        let (gh, gw) = try grid(height: images.shape[2], width: images.shape[3])
        return try images.reshaped([n, c, gh, p, gw, p]).permuted([0, 2, 4, 1, 3, 5]).reshaped([n, gh * gw, c * p * p])
    }

    func projectionMatrix() throws -> Tensor {
        try proj.weight.reshaped([proj.outChannels, proj.inChannels * patchSize * patchSize])
    }
}
