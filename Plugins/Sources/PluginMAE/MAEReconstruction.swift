import Foundation
import PretextSDK
import PretextMaskedModeling

/// The picture MAE writes after each epoch: for each sample image a row original | masked input |
/// reconstruction (visible patches kept, hidden patches predicted), upscaled with nearest neighbours
/// to at least 96 px per image, on a white grid. The mask is drawn from a fixed seed so that
/// successive epochs show the same images with the same holes.
enum MAEReconstruction {
    static let maskSeed: UInt64 = 0x4D41_4552_4543   // "MAEREC"

    static func write(model: MaskedAutoencoder, images: Tensor, normPixLoss: Bool, normalize: Normalize?, to url: URL) throws {
        let (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let p = model.encoder.patchSize, gw = w / p
        var rng = RNG(seed: maskSeed)
        let (keep, masked) = model.randomMasks(batch: n, rng: &rng)
        let prediction = try noGrad { try model.predictMasked(images, keep: keep, masked: masked) }.scalars   // [n, M, P]
        let m = masked.first?.count ?? 0, pp = p * p * c
        let mean = normalize?.mean ?? [Float](repeating: 0, count: c), std = normalize?.std ?? [Float](repeating: 1, count: c)
        let src = images.scalars
        var rows: [[Image]] = []
        for i in 0..<n {
            let original = Array(src[(i * c * h * w)..<((i + 1) * c * h * w)])
            var hidden = original, reconstructed = original
            for (j, q) in masked[i].enumerated() {
                let (gy, gx) = (q / gw, q % gw)
                // The true patch (for de-normalising per-patch standardised predictions).
                var truth = [Float](repeating: 0, count: pp)
                for y in 0..<p { for x in 0..<p { for ch in 0..<c {
                    truth[(y * p + x) * c + ch] = original[(ch * h + gy * p + y) * w + gx * p + x]
                } } }
                var mu: Float = 0, scale: Float = 1
                if normPixLoss {
                    mu = truth.reduce(0, +) / Float(pp)
                    let variance = truth.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Float(Swift.max(pp - 1, 1))
                    scale = (variance + 1e-6).squareRoot()
                }
                let base = (i * m + j) * pp
                for y in 0..<p { for x in 0..<p { for ch in 0..<c {
                    let at = (ch * h + gy * p + y) * w + gx * p + x
                    reconstructed[at] = prediction[base + (y * p + x) * c + ch] * scale + mu
                    hidden[at] = (0.5 - mean[ch]) / std[ch]         // mid-gray
                } } }
            }
            rows.append(try [original, hidden, reconstructed].map {
                try Image(chw: Tensor(shape: [c, h, w], scalars: $0), mean: normalize?.mean, std: normalize?.std)
            })
        }
        try writeGrid(rows, to: url)
    }

    /// Tiles equally sized images row by row with a 2 px white border, each upscaled ×s (nearest).
    static func writeGrid(_ rows: [[Image]], to url: URL) throws {
        guard let first = rows.first?.first else { return }
        let (h, w) = (first.height, first.width)
        let s = Swift.max(1, Int((96.0 / Double(Swift.min(h, w))).rounded(.up)))
        let gap = 2, cols = rows.map(\.count).max() ?? 0
        let width = cols * w * s + (cols + 1) * gap, height = rows.count * h * s + (rows.count + 1) * gap
        var pixels = [UInt8](repeating: 255, count: width * height * 3)
        for (r, row) in rows.enumerated() {
            for (k, img) in row.enumerated() {
                let x0 = gap + k * (w * s + gap), y0 = gap + r * (h * s + gap)
                for y in 0..<(h * s) {
                    for x in 0..<(w * s) {
                        let dst = ((y0 + y) * width + x0 + x) * 3, sp = ((y / s) * w + x / s) * 3
                        pixels[dst] = img.pixels[sp]; pixels[dst + 1] = img.pixels[sp + 1]; pixels[dst + 2] = img.pixels[sp + 2]
                    }
                }
            }
        }
        try PNGWriter.write(pixels: pixels, width: width, height: height, channels: 3, to: url.path)
    }
}
