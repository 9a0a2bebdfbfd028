internal import CKernels

/// ReLU and its gradient as C loops compiled per x86-64 level (`CKernels/relu.c`), split over threads.
///
/// Written as the generic unary op, ReLU called a closure per element and took a second pass (and a
/// tensor) to multiply the gradient by a 0/1 mask: 3 % of a ResNet-18 MoCo step on AVX2. A select needs
/// no arithmetic, so every CPU level gives the same bits; the backward is PyTorch's threshold_backward
/// (g where x > 0, else +0).
enum ReLUKernels {
    static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int) {
        Parallel.forRanges(n, costPerItem: 1) { r in
            pretext_relu_forward(x + r.lowerBound, y + r.lowerBound, r.count)
        }
    }

    static func backward(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ gx: UnsafeMutablePointer<Float>, count n: Int) {
        Parallel.forRanges(n, costPerItem: 1) { r in
            pretext_relu_backward(x + r.lowerBound, g + r.lowerBound, gx + r.lowerBound, r.count)
        }
    }
}
