/// 2-D convolution (NCHW, weight [O, C/groups, KH, KW] as PyTorch) on `ConvKernels` (im2col + GEMM).
extension Tensor {
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                       dilation: (Int, Int) = (1, 1), groups: Int = 1) throws -> Tensor {
        guard rank == 4, weight.rank == 4 else {
            throw TensorError.shapeMismatch(op: "conv2d", lhs: shape, rhs: weight.shape, detail: "input must be [N, C, H, W] and weight [O, C/groups, KH, KW]")
        }
        guard groups >= 1, shape[1] == weight.shape[1] * groups else {
            throw TensorError.shapeMismatch(op: "conv2d", lhs: shape, rhs: weight.shape, detail: "input channels \(shape[1]) must equal weight.shape[1] (\(weight.shape[1])) × groups (\(groups))")
        }
        if let bias, bias.shape != [weight.shape[0]] {
            throw TensorError.shapeMismatch(op: "conv2d", lhs: weight.shape, rhs: bias.shape, detail: "bias must be [\(weight.shape[0])]")
        }
        let g = Conv2dGeometry(batch: shape[0], inChannels: shape[1], height: shape[2], width: shape[3],
                               outChannels: weight.shape[0], kernelH: weight.shape[2], kernelW: weight.shape[3],
                               strideH: stride.0, strideW: stride.1, padH: padding.0, padW: padding.1,
                               dilationH: dilation.0, dilationW: dilation.1, groups: groups)
        try g.validate()
        let out = Tensor(uninitialized: g.outputShape)
        ConvKernels.forward(g, input: storage.pointer, weight: weight.storage.pointer, bias: bias.map { UnsafePointer($0.storage.pointer) },
                            output: out.storage.pointer)
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return Tensor.record(out, "conv2d", inputs) { gOut in
            var gx: Tensor?, gw: Tensor?, gb: Tensor?
            if self.requiresGrad {
                gx = Tensor(uninitialized: self.shape)
                ConvKernels.backwardInput(g, gradOutput: gOut.storage.pointer, weight: weight.storage.pointer,
                                          gradInput: gx!.storage.pointer)
            }
            if weight.requiresGrad {
                gw = Tensor(uninitialized: weight.shape)
                ConvKernels.backwardWeight(g, gradOutput: gOut.storage.pointer, input: self.storage.pointer,
                                           gradWeight: gw!.storage.pointer)
            }
            if let bias, bias.requiresGrad {
                gb = Tensor(uninitialized: bias.shape)
                ConvKernels.backwardBias(g, gradOutput: gOut.storage.pointer, gradBias: gb!.storage.pointer)
            }
            return [gx, gw, gb]
        }
    }
}
