/// Colour ops with torchvision v2's float-tensor formulas (`_color.py`): results are clamped to [0, 1]
/// where torchvision clamps (brightness, contrast, saturation via `_blend`; hue's HSV round trip).
extension ImageOps {
    /// ITU-R 601-2 luma weights, as torchvision's `rgb_to_grayscale` (0.2989, 0.587, 0.114).
    public static let lumaWeights: (r: Float, g: Float, b: Float) = (0.2989, 0.587, 0.114)

    /// `x * factor`, clamped to [0, 1] (`adjust_brightness`).
    public static func adjustBrightness(_ image: inout FloatImage, _ factor: Float) {
        image.data.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            for i in 0..<buf.count { p[i] = min(max(p[i] * factor, 0), 1) }
        }
    }

    /// Blends each pixel with the mean of the grayscale image (`adjust_contrast`).
    public static func adjustContrast(_ image: inout FloatImage, _ factor: Float) {
        let n = image.planeSize
        var sum = 0.0
        image.data.withUnsafeBufferPointer { buf in
            let p = buf.baseAddress!
            if image.channels >= 3 {
                let (wr, wg, wb) = lumaWeights
                let r = p, g = p + n, b = p + 2 * n
                var acc: Float = 0, block = 0
                for i in 0..<n {
                    acc += r[i] * wr + g[i] * wg + b[i] * wb
                    block += 1
                    if block == 256 { sum += Double(acc); acc = 0; block = 0 }
                }
                sum += Double(acc)
            } else {
                for i in 0..<n { sum += Double(p[i]) }
            }
        }
        let mean = Float(sum / Double(n))
        blend(&image, with: { _ in mean }, factor)
    }

    /// Blends each pixel with its own gray value (`adjust_saturation`); 0 gives grayscale. One-channel
    /// images are returned unchanged (as torchvision).
    public static func adjustSaturation(_ image: inout FloatImage, _ factor: Float) {
        guard image.channels >= 3 else { return }
        let n = image.planeSize
        var gray = [Float](repeating: 0, count: n)
        luma(image, into: &gray)
        gray.withUnsafeBufferPointer { g in
            let gp = g.baseAddress!
            blend(&image, with: { i in gp[i] }, factor)
        }
    }

    /// `_blend(image, other, ratio)`: `image * ratio + other * (1 - ratio)`, clamped to [0, 1].
    @inline(__always)
    static func blend(_ image: inout FloatImage, with other: (Int) -> Float, _ ratio: Float) {
        let n = image.planeSize
        let inv = Float(1.0 - Double(ratio))
        image.data.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            for c in 0..<image.channels {
                let plane = p + c * n
                for i in 0..<n {
                    plane[i] = min(max(plane[i] * ratio + other(i) * inv, 0), 1)
                }
            }
        }
    }

    /// Writes the luma of a 3-channel image into `out` (`planeSize` values).
    static func luma(_ image: FloatImage, into out: inout [Float]) {
        let n = image.planeSize
        let (wr, wg, wb) = lumaWeights
        image.data.withUnsafeBufferPointer { buf in
            out.withUnsafeMutableBufferPointer { o in
                let r = buf.baseAddress!, g = r + n, b = r + 2 * n
                let d = o.baseAddress!
                for i in 0..<n { d[i] = r[i] * wr + g[i] * wg + b[i] * wb }
            }
        }
    }

    /// Grayscale with `outputChannels` (1 or 3) identical channels (`rgb_to_grayscale`).
    public static func grayscale(_ image: FloatImage, outputChannels: Int = 3) -> FloatImage {
        let n = image.planeSize
        var gray = [Float](repeating: 0, count: n)
        if image.channels >= 3 {
            luma(image, into: &gray)
        } else {
            gray = Array(image.data[0..<n])
        }
        if outputChannels == 1 {
            return FloatImage(uncheckedChannels: 1, height: image.height, width: image.width, data: gray)
        }
        var out = [Float](repeating: 0, count: 3 * n)
        out.withUnsafeMutableBufferPointer { o in
            gray.withUnsafeBufferPointer { g in
                for c in 0..<3 { (o.baseAddress! + c * n).update(from: g.baseAddress!, count: n) }
            }
        }
        return FloatImage(uncheckedChannels: 3, height: image.height, width: image.width, data: out)
    }

    /// floor(x) for |x| < 2^22 without a libm call (adding 1.5·2^23 rounds to an integer), so the hue
    /// loop vectorises on plain SSE2.
    @inline(__always)
    static func floorSmall(_ x: Float) -> Float {
        let magic: Float = 12_582_912 // 1.5 * 2^23
        let r = (x + magic) - magic
        return r > x ? r - 1 : r
    }

    /// Shifts the hue by `factor` turns (in [-0.5, 0.5]) through HSV (`adjust_hue`, torchvision's
    /// `_rgb_to_hsv` / `_hsv_to_rgb` step by step in float32, branch-free). (A SIMD4 version of this
    /// loop measured 2× slower on the default SSE2 target.)
    public static func adjustHue(_ image: inout FloatImage, _ factor: Float) {
        guard image.channels >= 3 else { return }
        let n = image.planeSize
        image.data.withUnsafeMutableBufferPointer { buf in
            let R = buf.baseAddress!, G = R + n, B = R + 2 * n
            for i in 0..<n { (R[i], G[i], B[i]) = hueShift(R[i], G[i], B[i], factor) }
        }
    }

    /// One pixel of `adjustHue`.
    @inline(__always)
    static func hueShift(_ r: Float, _ g: Float, _ b: Float, _ factor: Float) -> (Float, Float, Float) {
        let maxc = max(r, max(g, b)), minc = min(r, min(g, b))
        let eqc = maxc == minc
        let range = maxc - minc
        let s = range / (eqc ? 1 : maxc)
        let div: Float = eqc ? 1 : range
        let rc = (maxc - r) / div, gc = (maxc - g) / div, bc = (maxc - b) / div
        let hr = bc - gc, hg = (rc + 2) - bc, hb = (gc + 4) - rc
        var h = maxc == r ? hr : (maxc == g ? hg : hb)
        h = h * Float(1.0 / 6.0) + 1   // in (0.8, 1.9): fmod(h, 1) = h - floor(h) exactly
        h = h - floorSmall(h)
        h = h + factor                 // (h + factor).remainder(1.0), Python-style
        h = h - floorSmall(h)
        let v = maxc
        let h6 = h * 6
        var sector = floorSmall(h6)
        let f = h6 - sector
        sector = sector >= 6 ? sector - 6 : sector
        let sxf = s * f
        let oneMinusS = 1 - s
        let q = min(max((1 - sxf) * v, 0), 1)
        let t = min(max((sxf + oneMinusS) * v, 0), 1)
        let p = min(max(oneMinusS * v, 0), 1)
        // Rows of torchvision's select table over sectors 0…5: r = v q p p t v, g = t v v q p p,
        // b = p p t v v q.
        let ro = (sector == 0 || sector == 5) ? v : (sector == 1 ? q : (sector == 4 ? t : p))
        let go = (sector == 1 || sector == 2) ? v : (sector == 0 ? t : (sector == 3 ? q : p))
        let bo = (sector == 3 || sector == 4) ? v : (sector == 2 ? t : (sector == 5 ? q : p))
        return (ro, go, bo)
    }

    /// torchvision's `ColorJitter` with fixed parameters: applies brightness (0), contrast (1),
    /// saturation (2) and hue (3) in the given `order`; a nil factor skips that step.
    public static func colorJitter(_ image: inout FloatImage, order: [Int], brightness: Float?, contrast: Float?,
                                   saturation: Float?, hue: Float?) {
        for fn in order {
            switch fn {
            case 0: if let b = brightness { adjustBrightness(&image, b) }
            case 1: if let c = contrast { adjustContrast(&image, c) }
            case 2: if let s = saturation { adjustSaturation(&image, s) }
            case 3: if let h = hue { adjustHue(&image, h) }
            default: break
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
