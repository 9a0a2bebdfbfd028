/// Raw 2-D pooling kernels over NCHW float buffers, matching PyTorch's `max_pool2d`, `avg_pool2d`
/// (count_include_pad = true) and `adaptive_avg_pool2d`. Every (image, channel) plane is independent,
/// so all kernels split the planes across threads; backward kernels overwrite their gradient.
public enum PoolKernels {
    // MARK: - Max

    /// `output[N, C, OH, OW]` and, per output, the flat index `ih·W + iw` of its maximum within the
    /// input plane (padding counts as −∞; the first maximum in row-major window order wins and NaN
    /// propagates, as in PyTorch).
    ///
    /// Loops run over a whole output row per window tap, so the compare-and-select chains of
    /// neighbouring outputs are independent (one output at a time is bound by the latency of a 9-long
    /// dependent chain).
    public static func maxForward(_ g: Pool2dGeometry, input: UnsafePointer<Float>,
                                  output: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int32>) {
        let h = g.height, w = g.width, oh = g.outH, ow = g.outW, hw = h &* w, ohw = oh &* ow
        let sw = g.strideW
        Parallel.forRanges(g.batch &* g.channels, costPerItem: ohw &* g.kernelH &* g.kernelW) { r in
            for plane in r {
                let src = input + plane &* hw
                for y in 0..<oh {
                    let dst = output + (plane &* ohw &+ y &* ow), idx = indices + (plane &* ohw &+ y &* ow)
                    let y0 = y &* g.strideH &- g.padH
                    let ys = max(y0, 0), ye = min(y0 &+ g.kernelH, h)
                    for x in 0..<ow {
                        dst[x] = -.infinity
                        idx[x] = Int32(truncatingIfNeeded: ys &* w &+ max(x &* sw &- g.padW, 0))
                    }
                    for iy in ys..<ye {
                        let row = src + iy &* w
                        for j in 0..<g.kernelW {
                            let off = j &- g.padW
                            let (xLo, xHi) = validRange(size: w, out: ow, stride: sw, offset: off)
                            let base = Int32(truncatingIfNeeded: iy &* w &+ off)
                            let s = row + off
                            var x = xLo
                            // Four outputs at a time with explicit masks (the scalar select compiles
                            // to a branch that mispredicts on real activations).
                            while x &+ 4 <= xHi {
                                let ix = x &* sw
                                let v = sw == 1
                                    ? UnsafeRawPointer(s + ix).loadUnaligned(as: SIMD4<Float>.self)
                                    : SIMD4(s[ix], s[ix &+ sw], s[ix &+ 2 &* sw], s[ix &+ 3 &* sw])
                                let cur = UnsafeRawPointer(dst + x).loadUnaligned(as: SIMD4<Float>.self)
                                let better = (v .> cur) .| (v .!= v)
                                UnsafeMutableRawPointer(dst + x).storeBytes(of: cur.replacing(with: v, where: better),
                                                                            as: SIMD4<Float>.self)
                                let at = SIMD4<Int32>(repeating: base &+ Int32(truncatingIfNeeded: ix))
                                    &+ SIMD4<Int32>(0, 1, 2, 3) &* Int32(truncatingIfNeeded: sw)
                                let old = UnsafeRawPointer(idx + x).loadUnaligned(as: SIMD4<Int32>.self)
                                UnsafeMutableRawPointer(idx + x).storeBytes(of: old.replacing(with: at, where: better),
                                                                            as: SIMD4<Int32>.self)
                                x &+= 4
                            }
                            while x < xHi {
                                let ix = x &* sw
                                let v = s[ix], cur = dst[x]
                                if v > cur || v.isNaN {
                                    dst[x] = v
                                    idx[x] = base &+ Int32(truncatingIfNeeded: ix)
                                }
                                x &+= 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// Output positions `lo ..< hi` whose input coordinate `o·stride + offset` lies in `0 ..< size`.
    @inline(__always)
    static func validRange(size: Int, out: Int, stride: Int, offset: Int) -> (Int, Int) {
        ConvKernels.validRange(size: size, out: out, stride: stride, offset: offset)
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
        let sw = g.strideW
        Parallel.forRanges(g.batch &* g.channels, costPerItem: ohw &* g.kernelH &* g.kernelW) { r in
            for plane in r {
                let src = input + plane &* hw
                for y in 0..<oh {
                    // Whole output rows per window tap, as in `maxForward`.
                    let dst = output + (plane &* ohw &+ y &* ow)
                    let y0 = y &* g.strideH &- g.padH
                    let ys = max(y0, 0), ye = min(y0 &+ g.kernelH, h)
                    let ySpan = min(y0 &+ g.kernelH, h &+ g.padH) &- y0
                    dst.update(repeating: 0, count: ow)
                    for iy in ys..<ye {
                        let row = src + iy &* w
                        for j in 0..<g.kernelW {
                            let off = j &- g.padW
                            let (xLo, xHi) = validRange(size: w, out: ow, stride: sw, offset: off)
                            let s = row + off
                            if sw == 1 {
                                for x in xLo..<xHi { dst[x] += s[x] }
                            } else {
                                for x in xLo..<xHi { dst[x] += s[x &* sw] }
                            }
                        }
                    }
                    for x in 0..<ow {
                        let x0 = x &* sw &- g.padW
                        let xSpan = min(x0 &+ g.kernelW, w &+ g.padW) &- x0
                        dst[x] /= Float(ySpan &* xSpan)
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
