/// Resampling with torchvision's float-tensor semantics: `resize(..., antialias=True)` runs torch's
/// separable anti-aliased kernel (`_upsample_bilinear2d_aa` / `_upsample_bicubic2d_aa`, PIL's
/// algorithm): horizontal pass first, then vertical, each skipped when that size does not change;
/// weights computed in float32 exactly as torch computes them. Bicubic results are not clamped (as
/// torchvision on float tensors); `RandomResizedCrop` clamps them to [0, 1] afterwards like PIL does.
extension ImageOps {
    /// Per-output-pixel source ranges and normalised weights of one resampling pass.
    struct ResampleWeights {
        var starts: [Int]
        var sizes: [Int]
        var weights: [Float]   // `outSize * taps`, zero-padded
        var taps: Int
    }

    @inline(__always)
    static func filterValue(_ x: Float, _ interpolation: Interpolation) -> Float {
        let ax = abs(x)
        switch interpolation {
        case .bilinear:
            return ax < 1 ? 1 - ax : 0
        case .bicubic:
            let a: Float = -0.5
            if ax < 1 { return ((a + 2) * ax - (a + 3)) * ax * ax + 1 }
            if ax < 2 { return ((a * ax - 5 * a) * ax + 8 * a) * ax - 4 * a }
            return 0
        }
    }

    /// torch's `_compute_indices_min_size_weights_aa` for `inSize` → `outSize` (align_corners=False).
    static func resampleWeights(inSize: Int, outSize: Int, _ interpolation: Interpolation) -> ResampleWeights {
        let scale = Float(inSize) / Float(outSize)
        let interpSize: Float = interpolation == .bilinear ? 2 : 4
        let support: Float = scale >= 1 ? (interpSize * 0.5) * scale : interpSize * 0.5
        let taps = Int(support.rounded(.up)) * 2 + 1
        let invscale: Float = scale >= 1 ? 1 / scale : 1
        var starts = [Int](repeating: 0, count: outSize)
        var sizes = [Int](repeating: 0, count: outSize)
        var weights = [Float](repeating: 0, count: outSize * taps)
        for i in 0..<outSize {
            // Mixed float/double arithmetic as in the C++ (int + 0.5 is a double there).
            let center = Float(Double(scale) * (Double(i) + 0.5))
            let xmin = max(Int(Double(center - support) + 0.5), 0)
            var xsize = min(Int(Double(center + support) + 0.5), inSize) - xmin
            xsize = min(max(xsize, 0), taps)
            var total: Float = 0
            for j in 0..<xsize {
                let arg = Float((Double(Float(j + xmin) - center) + 0.5) * Double(invscale))
                let w = filterValue(arg, interpolation)
                weights[i * taps + j] = w
                total += w
            }
            if total != 0 {
                for j in 0..<xsize { weights[i * taps + j] /= total }
            }
            starts[i] = xmin
            sizes[i] = xsize
        }
        return ResampleWeights(starts: starts, sizes: sizes, weights: weights, taps: taps)
    }

    /// Resizes to `height`×`width` (torchvision `resize(img, [h, w], interpolation, antialias=True)`).
    public static func resize(_ image: FloatImage, height: Int, width: Int,
                              interpolation: Interpolation = .bilinear) -> FloatImage {
        resizedCrop(image, top: 0, left: 0, height: image.height, width: image.width,
                    outputHeight: height, outputWidth: width, interpolation: interpolation)
    }

    /// torchvision's `Resize(size)` with one int: the shorter side becomes `size`, the longer one
    /// `int(size * long / short)`.
    public static func resizeShorterSide(_ image: FloatImage, to size: Int,
                                         interpolation: Interpolation = .bilinear) -> FloatImage {
        let (h, w) = shorterSideSize(height: image.height, width: image.width, size: size)
        return resize(image, height: h, width: w, interpolation: interpolation)
    }

    /// The output size of torchvision's `Resize(size)` with one int.
    public static func shorterSideSize(height: Int, width: Int, size: Int) -> (height: Int, width: Int) {
        if height <= width {
            return (size, max(1, Int(Double(size) * Double(width) / Double(height))))
        }
        return (max(1, Int(Double(size) * Double(height) / Double(width))), size)
    }

    /// Crops the box (`top`, `left`, `height`, `width`) and resizes it to
    /// `outputHeight`×`outputWidth`: torchvision's `resized_crop(img, top, left, height, width, size,
    /// interpolation, antialias=True)`. A box reaching outside the image reads zeros there.
    public static func resizedCrop(_ image: FloatImage, top: Int, left: Int, height: Int, width: Int,
                                   outputHeight: Int, outputWidth: Int,
                                   interpolation: Interpolation = .bilinear) -> FloatImage {
        let ch = max(1, height), cw = max(1, width)
        let oh = max(1, outputHeight), ow = max(1, outputWidth)
        if top < 0 || left < 0 || top + ch > image.height || left + cw > image.width {
            let c = crop(image, top: top, left: left, height: ch, width: cw)
            return resizedCrop(c, top: 0, left: 0, height: ch, width: cw, outputHeight: oh, outputWidth: ow,
                               interpolation: interpolation)
        }
        if oh == ch && ow == cw {
            return crop(image, top: top, left: left, height: ch, width: cw)
        }
        let C = image.channels, iw = image.width, ih = image.height
        // Horizontal pass over the crop's rows: [C, ch, ow] (or a plain crop when the width is kept).
        var mid: [Float]
        if ow != cw {
            let wx = resampleWeights(inSize: cw, outSize: ow, interpolation)
            mid = [Float](repeating: 0, count: C * ch * ow)
            image.data.withUnsafeBufferPointer { src in
                mid.withUnsafeMutableBufferPointer { dst in
                    wx.weights.withUnsafeBufferPointer { wts in
                        let taps = wx.taps
                        for c in 0..<C {
                            for y in 0..<ch {
                                let s = src.baseAddress! + (c * ih + top + y) * iw + left
                                let d = dst.baseAddress! + (c * ch + y) * ow
                                for x in 0..<ow {
                                    let w = wts.baseAddress! + x * taps
                                    let p = s + wx.starts[x]
                                    let n = wx.sizes[x]
                                    var acc = p[0] * w[0]
                                    var j = 1
                                    while j < n {
                                        acc += p[j] * w[j]
                                        j += 1
                                    }
                                    d[x] = acc
                                }
                            }
                        }
                    }
                }
            }
        } else {
            mid = crop(image, top: top, left: left, height: ch, width: cw).data
        }
        if oh == ch {
            return FloatImage(uncheckedChannels: C, height: oh, width: ow, data: mid)
        }
        // Vertical pass: [C, ch, ow] -> [C, oh, ow], accumulated row by row (vectorises over x).
        let wy = resampleWeights(inSize: ch, outSize: oh, interpolation)
        var out = [Float](repeating: 0, count: C * oh * ow)
        mid.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                wy.weights.withUnsafeBufferPointer { wts in
                    let taps = wy.taps
                    for c in 0..<C {
                        let plane = src.baseAddress! + c * ch * ow
                        for y in 0..<oh {
                            let d = dst.baseAddress! + (c * oh + y) * ow
                            let w = wts.baseAddress! + y * taps
                            let n = wy.sizes[y]
                            let r0 = plane + wy.starts[y] * ow
                            let w0 = w[0]
                            for x in 0..<ow { d[x] = r0[x] * w0 }
                            var j = 1
                            while j < n {
                                let r = r0 + j * ow
                                let wj = w[j]
                                for x in 0..<ow { d[x] += r[x] * wj }
                                j += 1
                            }
                        }
                    }
                }
            }
        }
        return FloatImage(uncheckedChannels: C, height: oh, width: ow, data: out)
    }
}
