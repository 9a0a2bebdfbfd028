/// The shapes of one 2-D max or average pooling over NCHW input, with PyTorch's defaults (floor mode,
/// no dilation), shared by the forward and backward kernels.
public struct Pool2dGeometry: Equatable, Sendable {
    public var batch, channels, height, width, kernelH, kernelW: Int
    public var strideH, strideW, padH, padW: Int

    /// Output height (floor mode).
    public var outH: Int {
        let span = height + 2 * padH - kernelH
        return span < 0 ? 0 : span / strideH + 1
    }
    /// Output width (floor mode).
    public var outW: Int {
        let span = width + 2 * padW - kernelW
        return span < 0 ? 0 : span / strideW + 1
    }

    /// `stride` defaults to the kernel size, as in PyTorch.
    public init(batch: Int, channels: Int, height: Int, width: Int, kernelH: Int, kernelW: Int,
                strideH: Int? = nil, strideW: Int? = nil, padH: Int = 0, padW: Int = 0) {
        self.batch = batch; self.channels = channels; self.height = height; self.width = width
        self.kernelH = kernelH; self.kernelW = kernelW
        self.strideH = strideH ?? kernelH; self.strideW = strideW ?? kernelW
        self.padH = padH; self.padW = padW
    }

    /// Shape of the input, `[N, C, H, W]`.
    public var inputShape: [Int] { [batch, channels, height, width] }
    /// Shape of the output, `[N, C, OH, OW]`.
    public var outputShape: [Int] { [batch, channels, outH, outW] }

    /// Throws `TensorError.invalidArgument` naming the offending value (PyTorch's rules: positive sizes,
    /// padding at most half the kernel, so that no window lies entirely in the padding).
    public func validate(op: String = "pool2d") throws {
        func fail(_ detail: String) -> TensorError { .invalidArgument(op: op, detail: detail) }
        let sizes = [("batch", batch), ("channels", channels), ("height", height), ("width", width),
                     ("kernelH", kernelH), ("kernelW", kernelW), ("strideH", strideH), ("strideW", strideW)]
        for (name, v) in sizes where v < 1 { throw fail("\(name) must be positive, got \(v)") }
        if padH < 0 || padH > kernelH / 2 {
            throw fail("padH must be between 0 and half the kernel height (\(kernelH / 2)), got \(padH)")
        }
        if padW < 0 || padW > kernelW / 2 {
            throw fail("padW must be between 0 and half the kernel width (\(kernelW / 2)), got \(padW)")
        }
        if outH < 1 || outW < 1 {
            throw fail("output size would be \(outH)x\(outW): input \(height)x\(width) with padding "
                       + "\(padH)x\(padW) is smaller than the kernel \(kernelH)x\(kernelW)")
        }
        if height * width > Int(Int32.max) { throw fail("plane of \(height)x\(width) is too large for Int32 indices") }
    }
}
