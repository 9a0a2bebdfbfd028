/// Raw 2-D pooling kernels over NCHW float buffers, matching PyTorch's `max_pool2d`, `avg_pool2d`
/// (count_include_pad = true) and `adaptive_avg_pool2d`. Every (image, channel) plane is independent,
/// so all kernels split the planes across threads; backward kernels overwrite their gradient.
public enum PoolKernels {
    // MARK: - Max

    /// `output[N, C, OH, OW]` and, per output, the flat index `ih·W + iw` of its maximum within the
    /// input plane (padding counts as −∞; the first maximum wins, as in PyTorch; a NaN in the window makes the
    /// output NaN, pointing at the first NaN).
    public static func maxForward(_ g: Pool2dGeometry, input: UnsafePointer<Float>,
                                  output: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int32>) {
        let h = g.height, w = g.width, oh = g.outH, ow = g.outW, hw = h &* w, ohw = oh &* ow
        Parallel.forRanges(g.batch &* g.channels, costPerItem: ohw &* g.kernelH &* g.kernelW) { r in
            for plane in r {
                let src = input + plane &* hw
                let dst = output + plane &* ohw, idx = indices + plane &* ohw
                for y in 0..<oh {
                    let y0 = y &* g.strideH &- g.padH
                    let ys = max(y0, 0), ye = min(y0 &+ g.kernelH, h)
                    for x in 0..<ow {
                        let x0 = x &* g.strideW &- g.padW
                        let xs = max(x0, 0), xe = min(x0 &+ g.kernelW, w)
                        // Two branch-free passes (the max, then where it first occurs) beat one
                        // pass whose data-dependent branches mispredict on real activations.
                        var best = -Float.infinity
                        var nan = false
                        for iy in ys..<ye {
                            let row = src + iy &* w
                            for ix in xs..<xe {
                                let v = row[ix]
                                best = v > best ? v : best
                                nan = nan || v.isNaN
                            }
                        }
                        if nan { best = .nan }
                        var at = ys &* w &+ xs
                        search: for iy in ys..<ye {
                            let row = src + iy &* w
                            for ix in xs..<xe where row[ix] == best || (nan && row[ix].isNaN) {
                                at = iy &* w &+ ix
                                break search
                            }
                        }
                        dst[y &* ow &+ x] = best
                        idx[y &* ow &+ x] = Int32(truncatingIfNeeded: at)
                    }
                }
            }
        }
    }

    /// Routes each output gradient to the input position recorded in `indices` (overwrites gradInput).
    public static func maxBackward(_ g: Pool2dGeometry, gradOutput: UnsafePointer<Float>,
                                   indices: UnsafePointer<Int32>, gradInput: UnsafeMutablePointer<Float>) {
        let hw = g.height &* g.width, ohw = g.outH &* g.outW
        Parallel.forRanges(g.batch &* g.channels, costPerItem: hw &+ ohw) { r in
            for plane in r {
                let dst = gradInput + plane &* hw
                dst.update(repeating: 0, count: hw)
                let src = gradOutput + plane &* ohw, idx = indices + plane &* ohw
                for i in 0..<ohw { dst[Int(idx[i])] += src[i] }
            }
        }
    }

    // MARK: - Average

    /// Window average with zero padding counted in the divisor (PyTorch's count_include_pad = true; the
    /// divisor is the window clipped to the padded input, which in floor mode is always KH·KW).
    public static func avgForward(_ g: Pool2dGeometry, input: UnsafePointer<Float>,
                                  output: UnsafeMutablePointer<Float>) {
        let h = g.height, w = g.width, oh = g.outH, ow = g.outW, hw = h &* w, ohw = oh &* ow
        Parallel.forRanges(g.batch &* g.channels, costPerItem: ohw &* g.kernelH &* g.kernelW) { r in
            for plane in r {
                let src = input + plane &* hw, dst = output + plane &* ohw
                for y in 0..<oh {
                    let y0 = y &* g.strideH &- g.padH
                    let ys = max(y0, 0), ye = min(y0 &+ g.kernelH, h)
                    let ySpan = min(y0 &+ g.kernelH, h &+ g.padH) &- y0
                    for x in 0..<ow {
                        let x0 = x &* g.strideW &- g.padW
                        let xs = max(x0, 0), xe = min(x0 &+ g.kernelW, w)
                        let xSpan = min(x0 &+ g.kernelW, w &+ g.padW) &- x0
                        var s: Float = 0
                        for iy in ys..<ye {
                            let row = src + iy &* w
                            for ix in xs..<xe { s += row[ix] }
                        }
                        dst[y &* ow &+ x] = s / Float(ySpan &* xSpan)
                    }
                }
            }
        }
    }

    /// Adjoint of `avgForward` (overwrites gradInput).
    public static func avgBackward(_ g: Pool2dGeometry, gradOutput: UnsafePointer<Float>,
                                   gradInput: UnsafeMutablePointer<Float>) {
        let h = g.height, w = g.width, oh = g.outH, ow = g.outW, hw = h &* w, ohw = oh &* ow
        Parallel.forRanges(g.batch &* g.channels, costPerItem: hw &+ ohw &* g.kernelH &* g.kernelW) { r in
            for plane in r {
                let src = gradOutput + plane &* ohw, dst = gradInput + plane &* hw
                dst.update(repeating: 0, count: hw)
                for y in 0..<oh {
                    let y0 = y &* g.strideH &- g.padH
                    let ys = max(y0, 0), ye = min(y0 &+ g.kernelH, h)
                    let ySpan = min(y0 &+ g.kernelH, h &+ g.padH) &- y0
                    for x in 0..<ow {
                        let x0 = x &* g.strideW &- g.padW
                        let xs = max(x0, 0), xe = min(x0 &+ g.kernelW, w)
                        let xSpan = min(x0 &+ g.kernelW, w &+ g.padW) &- x0
                        let v = src[y &* ow &+ x] / Float(ySpan &* xSpan)
                        for iy in ys..<ye {
                            let row = dst + iy &* w
                            for ix in xs..<xe { row[ix] += v }
                        }
                    }
                }
            }
        }
    }

    // MARK: - Adaptive average

    /// Bin `i` of `out` bins over `size` inputs covers `floor(i·size/out) ..< ceil((i+1)·size/out)`
    /// (PyTorch's rule; bins overlap when `size` is not a multiple of `out`).
    @inline(__always)
    static func bin(_ i: Int, _ size: Int, _ out: Int) -> (Int, Int) {
        ((i &* size) / out, ((i &+ 1) &* size &+ out &- 1) / out)
    }

    /// `output[N, C, outH, outW]`, each the mean of its bin of the input plane.
    public static func adaptiveAvgForward(batch: Int, channels: Int, height: Int, width: Int, outH: Int, outW: Int,
                                          input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let hw = height &* width, ohw = outH &* outW
        Parallel.forRanges(batch &* channels, costPerItem: hw &+ ohw) { r in
            if outH == 1 && outW == 1 {
                // Global average pooling: one vectorised sum per plane.
                let scale = 1 / Float(hw)
                for plane in r { output[plane] = KernelMath.sum(input + plane &* hw, hw) * scale }
                return
            }
            for plane in r {
                let src = input + plane &* hw, dst = output + plane &* ohw
                for y in 0..<outH {
                    let (ys, ye) = bin(y, height, outH)
                    for x in 0..<outW {
                        let (xs, xe) = bin(x, width, outW)
                        var s: Float = 0
                        for iy in ys..<ye {
                            let row = src + iy &* width
                            for ix in xs..<xe { s += row[ix] }
                        }
                        dst[y &* outW &+ x] = s / Float((ye &- ys) &* (xe &- xs))
                    }
                }
            }
        }
    }

    /// Adjoint of `adaptiveAvgForward` (overwrites gradInput).
    public static func adaptiveAvgBackward(batch: Int, channels: Int, height: Int, width: Int, outH: Int, outW: Int,
                                           gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>) {
        let hw = height &* width, ohw = outH &* outW
        Parallel.forRanges(batch &* channels, costPerItem: hw &+ ohw) { r in
            for plane in r {
                let src = gradOutput + plane &* ohw, dst = gradInput + plane &* hw
                if ohw == 1 {
                    dst.update(repeating: src[0] / Float(hw), count: hw)
                    continue
                }
                dst.update(repeating: 0, count: hw)
                for y in 0..<outH {
                    let (ys, ye) = bin(y, height, outH)
                    for x in 0..<outW {
                        let (xs, xe) = bin(x, width, outW)
                        let v = src[y &* outW &+ x] / Float((ye &- ys) &* (xe &- xs))
                        for iy in ys..<ye {
                            let row = dst + iy &* width
                            for ix in xs..<xe { row[ix] += v }
                        }
                    }
                }
            }
        }
    }
}
