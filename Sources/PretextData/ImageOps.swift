/// The deterministic core of every augmentation: each op takes explicit parameters (crop box,
/// factors, permutation) and reproduces `torchvision.transforms.v2.functional` on a float32 CHW
/// tensor in [0, 1]. The random transforms (`RandomResizedCrop`, `ColorJitter`, …) sample their
/// parameters from an `RNG` and call these, so tests compare fixed-parameter outputs with torchvision
/// (see Tests/Fixtures/data/make_data_fixtures.py).
///
/// Geometry: `crop`, `centerCrop`, `horizontalFlip`, `verticalFlip`, `rotate90` (this file);
/// resampling: `resize`, `resizedCrop` (`ImageOps+Resize.swift`); colour: `adjustBrightness`,
/// `adjustContrast`, `adjustSaturation`, `adjustHue`, `grayscale`, `colorJitter`
/// (`ImageOps+Color.swift`); filters: `gaussianBlur`, `solarize`, `normalize` (`ImageOps+Filter.swift`).
public enum ImageOps {
    /// The `height`×`width` region whose top-left corner is (`top`, `left`). Parts of the box outside
    /// the image are zero (torchvision's `crop` pads with 0).
    public static func crop(_ image: FloatImage, top: Int, left: Int, height: Int, width: Int) -> FloatImage {
        let h = max(1, height), w = max(1, width)
        if top == 0, left == 0, h == image.height, w == image.width { return image }
        var out = [Float](repeating: 0, count: image.channels * h * w)
        let ih = image.height, iw = image.width
        let x0 = max(0, left), x1 = min(iw, left + w)
        image.data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                guard x1 > x0 else { return }
                for c in 0..<image.channels {
                    for y in 0..<h {
                        let sy = top + y
                        if sy < 0 || sy >= ih { continue }
                        let s = src.baseAddress! + (c * ih + sy) * iw
                        let d = dst.baseAddress! + (c * h + y) * w
                        (d + (x0 - left)).update(from: s + x0, count: x1 - x0)
                    }
                }
            }
        }
        return FloatImage(uncheckedChannels: image.channels, height: h, width: w, data: out)
    }

    /// torchvision's `center_crop`: the box anchored at round((H - h) / 2), round((W - w) / 2)
    /// (Python's round-half-to-even); when the crop is larger than the image, the image is first
    /// zero-padded symmetrically (the extra pixel of an odd padding goes right/bottom).
    public static func centerCrop(_ image: FloatImage, height: Int, width: Int) -> FloatImage {
        var img = image
        if height > img.height || width > img.width {
            let padL = width > img.width ? (width - img.width) / 2 : 0
            let padT = height > img.height ? (height - img.height) / 2 : 0
            let padR = width > img.width ? (width - img.width + 1) / 2 : 0
            let padB = height > img.height ? (height - img.height + 1) / 2 : 0
            img = crop(img, top: -padT, left: -padL, height: img.height + padT + padB, width: img.width + padL + padR)
            if img.height == height && img.width == width { return img }
        }
        let top = Int((Double(img.height - height) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(img.width - width) / 2).rounded(.toNearestOrEven))
        return crop(img, top: top, left: left, height: height, width: width)
    }

    /// Mirrors left ↔ right.
    public static func horizontalFlip(_ image: inout FloatImage) {
        let w = image.width
        let rows = image.channels * image.height
        image.data.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            for r in 0..<rows {
                var a = p + r * w, b = a + w - 1
                while a < b {
                    let t = a.pointee
                    a.pointee = b.pointee
                    b.pointee = t
                    a += 1
                    b -= 1
                }
            }
        }
    }

    /// Mirrors top ↔ bottom.
    public static func verticalFlip(_ image: inout FloatImage) {
        let w = image.width, h = image.height
        image.data.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            for c in 0..<image.channels {
                let plane = p + c * h * w
                for y in 0..<(h / 2) {
                    let a = plane + y * w, b = plane + (h - 1 - y) * w
                    for x in 0..<w {
                        let t = a[x]
                        a[x] = b[x]
                        b[x] = t
                    }
                }
            }
        }
    }

    /// Rotates by `k` × 90° counter-clockwise, as `torch.rot90(x, k, dims=[-2, -1])` and
    /// torchvision's `rotate(img, 90 * k)` (k may be negative or above 3; it is taken modulo 4).
    public static func rotate90(_ image: FloatImage, _ k: Int) -> FloatImage {
        let q = ((k % 4) + 4) % 4
        if q == 0 { return image }
        let h = image.height, w = image.width, c = image.channels
        let (oh, ow) = q == 2 ? (h, w) : (w, h)
        var out = [Float](repeating: 0, count: c * h * w)
        image.data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for ch in 0..<c {
                    let s = src.baseAddress! + ch * h * w
                    let d = dst.baseAddress! + ch * h * w
                    for y in 0..<oh {
                        for x in 0..<ow {
                            let v: Float
                            switch q {
                            case 1: v = s[x * w + (w - 1 - y)]            // out[y][x] = in[x][W-1-y]
                            case 2: v = s[(h - 1 - y) * w + (w - 1 - x)]
                            default: v = s[(h - 1 - x) * w + y]            // out[y][x] = in[H-1-x][y]
                            }
                            d[y * ow + x] = v
                        }
                    }
                }
            }
        }
        return FloatImage(uncheckedChannels: c, height: oh, width: ow, data: out)
    }
}
