internal import CKernels

/// An elementwise activation whose forward loop and gradient loop are C (`CKernels`, compiled for
/// AVX-512, AVX2+FMA and baseline x86-64 and chosen by CPU features when loaded, since Swift compiles
/// for baseline SSE2 only), split over threads and recorded for autograd as one op.
struct ActivationKernel: Sendable {
    typealias ForwardLoop = @Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    typealias BackwardLoop = @Sendable (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void

    let name: String
    /// Relative cost per element, for how finely `Parallel` splits the loop.
    let forwardCost: Int, backwardCost: Int
    let forwardLoop: ForwardLoop
    let backwardLoop: BackwardLoop

    /// GELU, exact (erf) form: see GELUKernels for the approximation and the Swift reference loops.
    static let gelu = ActivationKernel(name: "gelu", forwardCost: 8, backwardCost: 12,
                                       forwardLoop: { pretext_gelu_forward($0, $1, $2) },
                                       backwardLoop: { pretext_gelu_backward($0, $1, $2, $3) })

    /// ReLU. As the generic unary op it called a closure per element and took a second pass (and a
    /// tensor) to multiply the gradient by a 0/1 mask: 3 % of a ResNet-18 MoCo step on AVX2. A select
    /// needs no arithmetic, so every CPU level gives the same bits; the gradient is PyTorch's
    /// threshold_backward (g where x > 0, else +0).
    static let relu = ActivationKernel(name: "relu", forwardCost: 1, backwardCost: 1,
                                       forwardLoop: { pretext_relu_forward($0, $1, $2) },
                                       backwardLoop: { pretext_relu_backward($0, $1, $2, $3) })

    /// y[i] = f(x[i]).
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int) {
        Parallel.forRanges(n, costPerItem: forwardCost) { r in
            forwardLoop(x + r.lowerBound, y + r.lowerBound, r.count)
        }
    }

    /// gx[i] = g[i]·f'(x[i]).
    func backward(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ gx: UnsafeMutablePointer<Float>, count n: Int) {
        Parallel.forRanges(n, costPerItem: backwardCost) { r in
            backwardLoop(x + r.lowerBound, g + r.lowerBound, gx + r.lowerBound, r.count)
        }
    }

    /// f(x) as a recorded op.
    func apply(_ x: Tensor) -> Tensor {
        let out = Tensor(uninitialized: x.shape)
        forward(x.storage.pointer, out.storage.pointer, count: x.count)
        return Tensor.record(out, name, [x]) { g in
            let gx = Tensor(uninitialized: x.shape)
            backward(x.storage.pointer, g.storage.pointer, gx.storage.pointer, count: x.count)
            return [gx]
        }
    }
}
