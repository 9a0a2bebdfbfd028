/// Blur, solarize and normalize with torchvision v2's float-tensor semantics.
extension ImageOps {
    /// torchvision's Gaussian kernel (`_get_gaussian_kernel1d`): `kernelSize` points of
    /// linspace(-(k-1)/(2√2), (k-1)/(2√2)) through softmax(-(x/σ)²), i.e. exp(-d²/(2σ²)) normalised,
    /// computed in float32 the same way.
    public static func gaussianKernel(size: Int, sigma: Float) -> [Float] {
        let k = max(1, size)
        if k == 1 { return [1] }
        let lim = Float(Double(k - 1) / (2.0 * 2.0.squareRoot()))
        let start = -lim, end = lim
        let step = (end - start) / Float(k - 1)
        let half = k / 2
        var x = [Float](repeating: 0, count: k)
        for i in 0..<k {
            x[i] = i < half ? start + step * Float(i) : end - step * Float(k - i - 1)
        }
        let logits = x.map { v -> Float in let t = v / sigma; return -(t * t) }
        let m = logits.max() ?? 0
        let e = logits.map { expf($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// The kernel size used when none is given: 2·⌈3σ⌉ + 1 (covers ±3σ, 99.7% of the mass). Lightly
    /// blurs with PIL's `GaussianBlur(radius=σ)`, whose extent also follows σ, not the image size.
    public static func kernelSize(forSigma sigma: Float) -> Int {
        2 * Int((3 * sigma).rounded(.up)) + 1
    }

    /// Mirror index without repeating the edge (torch's "reflect" padding), valid for any offset.
    @inline(__always)
    static func reflect(_ i: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        var j = i
        let period = 2 * (n - 1)
        j = j % period
        if j < 0 { j += period }
        return j < n ? j : period - j
    }

    /// torchvision's `gaussian_blur(img, [k, k], [σ, σ])`: reflect padding of k/2, then the k×k
    /// Gaussian, applied here as two separable passes that add symmetric taps first (8 pixels at a
    /// time); the differences from torch's 2-D convolution are float rounding (≤ 1e-6 on [0, 1] data).
    public static func gaussianBlur(_ image: inout FloatImage, kernelSize: Int, sigma: Float) {
        let k = kernelSize % 2 == 0 ? kernelSize + 1 : max(1, kernelSize)
        if k == 1 { return }
        let kernel = gaussianKernel(size: k, sigma: sigma)
        let r = k / 2
        let h = image.height, w = image.width, C = image.channels
        let wp = (w + 7) & ~7                       // row stride of the intermediate, a multiple of 8
        var padded = [Float](repeating: 0, count: wp + 2 * r + 8)
        var tmp = [Float](repeating: 0, count: h * wp)
        var rows = [UnsafePointer<Float>?](repeating: nil, count: k)
        image.data.withUnsafeMutableBufferPointer { buf in
            padded.withUnsafeMutableBufferPointer { padBuf in
                tmp.withUnsafeMutableBufferPointer { tmpBuf in
                    kernel.withUnsafeBufferPointer { kb in
                        rows.withUnsafeMutableBufferPointer { rowPtrs in
                            let pad = padBuf.baseAddress!, t = tmpBuf.baseAddress!, kw = kb.baseAddress!
                            for c in 0..<C {
                                let plane = buf.baseAddress! + c * h * w
                                // Horizontal pass: plane -> tmp.
                                for y in 0..<h {
                                    let row = plane + y * w
                                    (pad + r).update(from: row, count: w)
                                    for i in 0..<r {
                                        pad[r - 1 - i] = row[reflect(-1 - i, w)]
                                        pad[r + w + i] = row[reflect(w + i, w)]
                                    }
                                    let d = t + y * wp
                                    var x = 0
                                    while x < wp {
                                        let p = UnsafeRawPointer(pad + x)
                                        var acc = p.loadUnaligned(fromByteOffset: 4 * r, as: SIMD8<Float>.self) * kw[r]
                                        for j in 0..<r {
                                            let a = p.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self)
                                            let b = p.loadUnaligned(fromByteOffset: 4 * (2 * r - j), as: SIMD8<Float>.self)
                                            acc += (a + b) * kw[j]
                                        }
                                        UnsafeMutableRawPointer(d + x).storeBytes(of: acc, as: SIMD8<Float>.self)
                                        x += 8
                                    }
                                }
                                // Vertical pass: tmp -> plane.
                                for y in 0..<h {
                                    for j in 0..<k { rowPtrs[j] = UnsafePointer(t + reflect(y - r + j, h) * wp) }
                                    let d = plane + y * w
                                    var x = 0
                                    while x < wp {
                                        var acc = UnsafeRawPointer(rowPtrs[r]! + x).loadUnaligned(as: SIMD8<Float>.self) * kw[r]
                                        for j in 0..<r {
                                            let a = UnsafeRawPointer(rowPtrs[j]! + x).loadUnaligned(as: SIMD8<Float>.self)
                                            let b = UnsafeRawPointer(rowPtrs[2 * r - j]! + x).loadUnaligned(as: SIMD8<Float>.self)
                                            acc += (a + b) * kw[j]
                                        }
                                        if x + 8 <= w {
                                            UnsafeMutableRawPointer(d + x).storeBytes(of: acc, as: SIMD8<Float>.self)
                                        } else {
                                            for i in 0..<(w - x) { d[x + i] = acc[i] }
                                        }
                                        x += 8
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Inverts values at or above `threshold`: x ≥ t ? 1 − x : x (`solarize` on float tensors;
    /// Lightly's PIL solarize inverts 8-bit values ≥ 128, i.e. x ≥ 0.502).
    public static func solarize(_ image: inout FloatImage, threshold: Float) {
        image.data.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            for i in 0..<buf.count { let v = p[i]; p[i] = v >= threshold ? 1 - v : v }
        }
    }

    /// (x − mean[c]) / std[c] per channel (`normalize`).
    public static func normalize(_ image: inout FloatImage, mean: [Float], std: [Float]) {
        let n = image.planeSize
        image.data.withUnsafeMutableBufferPointer { buf in
            for c in 0..<image.channels {
                let m = mean[min(c, mean.count - 1)], s = std[min(c, std.count - 1)]
                let p = buf.baseAddress! + c * n
                for i in 0..<n { p[i] = (p[i] - m) / s }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
