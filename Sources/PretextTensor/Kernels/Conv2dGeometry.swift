/// The shapes and hyper-parameters of one 2-D convolution (NCHW input, weight `[O, C/groups, KH, KW]`
/// as in PyTorch), kept in one value so the forward and every backward kernel agree on them.
public struct Conv2dGeometry: Equatable, Sendable {
    public var batch, inChannels, height, width, outChannels, kernelH, kernelW: Int
    public var strideH = 1, strideW = 1, padH = 0, padW = 0, dilationH = 1, dilationW = 1, groups = 1

    /// Output height (PyTorch's floor rule; 0 when the dilated kernel does not fit the padded input).
    public var outH: Int {
        let span = height + 2 * padH - dilationH * (kernelH - 1) - 1
        return span < 0 ? 0 : span / strideH + 1
    }
    /// Output width (PyTorch's floor rule; 0 when the dilated kernel does not fit the padded input).
    public var outW: Int {
        let span = width + 2 * padW - dilationW * (kernelW - 1) - 1
        return span < 0 ? 0 : span / strideW + 1
    }

    public init(batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int,
                kernelH: Int, kernelW: Int, strideH: Int = 1, strideW: Int = 1, padH: Int = 0, padW: Int = 0,
                dilationH: Int = 1, dilationW: Int = 1, groups: Int = 1) {
        self.batch = batch; self.inChannels = inChannels; self.height = height; self.width = width
        self.outChannels = outChannels; self.kernelH = kernelH; self.kernelW = kernelW
        self.strideH = strideH; self.strideW = strideW; self.padH = padH; self.padW = padW
        self.dilationH = dilationH; self.dilationW = dilationW; self.groups = groups
    }

    /// Input channels per group (`C / groups`).
    public var inChannelsPerGroup: Int { inChannels / groups }
    /// Output channels per group (`O / groups`).
    public var outChannelsPerGroup: Int { outChannels / groups }
    /// Elements in one input image (`C·H·W`).
    public var inputImageSize: Int { inChannels * height * width }
    /// Elements in one output image (`O·OH·OW`).
    public var outputImageSize: Int { outChannels * outH * outW }
    /// Elements of the whole weight tensor (`O·C/groups·KH·KW`).
    public var weightCount: Int { outChannels * inChannelsPerGroup * kernelH * kernelW }
    /// Shape of the input, `[N, C, H, W]`.
    public var inputShape: [Int] { [batch, inChannels, height, width] }
    /// Shape of the output, `[N, O, OH, OW]`.
    public var outputShape: [Int] { [batch, outChannels, outH, outW] }
    /// Shape of the weight, `[O, C/groups, KH, KW]`.
    public var weightShape: [Int] { [outChannels, inChannelsPerGroup, kernelH, kernelW] }

    /// Throws `TensorError.invalidArgument` naming the first offending value, so a bad layer definition
    /// fails with a readable message instead of reading out of bounds in a kernel.
    public func validate() throws {
        func fail(_ detail: String) -> TensorError { .invalidArgument(op: "conv2d", detail: detail) }
        let sizes = [("batch", batch), ("inChannels", inChannels), ("height", height), ("width", width),
                     ("outChannels", outChannels), ("kernelH", kernelH), ("kernelW", kernelW),
                     ("strideH", strideH), ("strideW", strideW), ("dilationH", dilationH),
                     ("dilationW", dilationW), ("groups", groups)]
        for (name, v) in sizes where v < 1 { throw fail("\(name) must be positive, got \(v)") }
        if padH < 0 { throw fail("padH must be non-negative, got \(padH)") }
        if padW < 0 { throw fail("padW must be non-negative, got \(padW)") }
        if inChannels % groups != 0 {
            throw fail("inChannels (\(inChannels)) must be divisible by groups (\(groups))")
        }
        if outChannels % groups != 0 {
            throw fail("outChannels (\(outChannels)) must be divisible by groups (\(groups))")
        }
        if outH < 1 || outW < 1 {
            throw fail("output size would be \(outH)x\(outW): input \(height)x\(width) with padding \(padH)x\(padW) "
                       + "is smaller than the dilated kernel \(dilationH * (kernelH - 1) + 1)x\(dilationW * (kernelW - 1) + 1)")
        }
        let limit = Int(Int32.max)
        if inputImageSize > limit || outH * outW > limit {
            throw fail("image of \(inChannels)x\(height)x\(width) is too large")
        }
    }
}
