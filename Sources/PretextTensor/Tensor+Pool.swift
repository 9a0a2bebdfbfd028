/// Pooling over NCHW tensors (PyTorch defaults: floor mode; average pooling counts padding).
extension Tensor {
    func poolGeometry(_ op: String, kernel: (Int, Int), stride: (Int, Int)?, padding: (Int, Int)) throws -> Pool2dGeometry {
        guard rank == 4 else {
            throw TensorError.invalidArgument(op: op, detail: "input must be [N, C, H, W], got \(shape)")
        }
        let s = stride ?? kernel
        let g = Pool2dGeometry(batch: shape[0], channels: shape[1], height: shape[2], width: shape[3],
                               kernelH: kernel.0, kernelW: kernel.1, strideH: s.0, strideW: s.1,
                               padH: padding.0, padW: padding.1)
        guard kernel.0 > 0, kernel.1 > 0, s.0 > 0, s.1 > 0, g.outH > 0, g.outW > 0,
              padding.0 * 2 <= kernel.0, padding.1 * 2 <= kernel.1 else {
            throw TensorError.invalidArgument(op: op, detail: "kernel \(kernel), stride \(s), padding \(padding) do not fit input \(shape) (padding may be at most half the kernel)")
        }
        return g
    }

    /// Max pooling; the gradient goes to the (first) maximal input of each window.
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) throws -> Tensor {
        let g = try poolGeometry("max_pool2d", kernel: kernel, stride: stride, padding: padding)
        let outShape = [g.batch, g.channels, g.outH, g.outW]
        let out = Tensor(uninitialized: outShape)
        let n = outShape.reduce(1, *)
        let indices = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(n, 1))
        PoolKernels.maxForward(g, input: storage.pointer, output: out.storage.pointer, indices: indices)
        let holder = IndexBuffer(indices)
        return Tensor.record(out, "max_pool2d", [self]) { gOut in
            let gx = Tensor(uninitialized: self.shape)
            PoolKernels.maxBackward(g, gradOutput: gOut.storage.pointer, indices: holder.pointer, gradInput: gx.storage.pointer)
            return [gx]
        }
    }

    /// Average pooling (padding counted in the divisor, as PyTorch's default).
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) throws -> Tensor {
        let g = try poolGeometry("avg_pool2d", kernel: kernel, stride: stride, padding: padding)
        let out = Tensor(uninitialized: [g.batch, g.channels, g.outH, g.outW])
        PoolKernels.avgForward(g, input: storage.pointer, output: out.storage.pointer)
        return Tensor.record(out, "avg_pool2d", [self]) { gOut in
            let gx = Tensor(uninitialized: self.shape)
            PoolKernels.avgBackward(g, gradOutput: gOut.storage.pointer, gradInput: gx.storage.pointer)
            return [gx]
        }
    }

    /// Adaptive average pooling to `output` (bins as PyTorch: floor(i·H/out) ..< ceil((i+1)·H/out)).
    public func adaptiveAvgPool2d(_ output: (Int, Int)) throws -> Tensor {
        guard rank == 4, output.0 > 0, output.1 > 0 else {
            throw TensorError.invalidArgument(op: "adaptive_avg_pool2d", detail: "input must be [N, C, H, W] (got \(shape)) and the output size positive")
        }
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        if output == (1, 1) {
            // Global average pooling: a plain mean over H·W.
            return try reshaped([n, c, h * w]).mean(axes: [2], keepDims: true).reshaped([n, c, 1, 1])
        }
        let out = Tensor(uninitialized: [n, c, output.0, output.1])
        PoolKernels.adaptiveAvgForward(batch: n, channels: c, height: h, width: w, outH: output.0, outW: output.1,
                                       input: storage.pointer, output: out.storage.pointer)
        return Tensor.record(out, "adaptive_avg_pool2d", [self]) { gOut in
            let gx = Tensor(uninitialized: self.shape)
            PoolKernels.adaptiveAvgBackward(batch: n, channels: c, height: h, width: w, outH: output.0, outW: output.1,
                                            gradOutput: gOut.storage.pointer, gradInput: gx.storage.pointer)
            return [gx]
        }
    }
}

/// Owns the argmax indices of a max-pool until its backward closure is released.
final class IndexBuffer {
    let pointer: UnsafeMutablePointer<Int32>
    init(_ p: UnsafeMutablePointer<Int32>) { pointer = p }
    deinit { pointer.deallocate() }
}
