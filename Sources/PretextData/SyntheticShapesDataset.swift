import Foundation

/// The embedded default dataset: procedurally drawn images of simple shapes and textures, needing no
/// download. Ten classes — circle, square, triangle, ring, cross, star, blob, stripes, checker, dots —
/// each drawn with random foreground and (gradient) background colours, position, scale, rotation,
/// shape details and pixel noise. Sample `i` has label `i % classes.count` (balanced classes) and is a
/// pure function of (`seed`, `i`, `size`): the same seed gives the same images on every run, and
/// `image(at:)` renders on demand (no storage).
///
/// Colour and position carry no class information, so a model has to learn shape to separate the
/// classes: SSL pretraining followed by kNN on it shows whether a method learned anything (raw-pixel
/// cosine 1-NN with 2,000 training images of seed 0 scores 17.8% on 500 test images of seed 1, chance
/// being 10%).
public struct SyntheticShapesDataset: Dataset {
    public enum Shape: String, CaseIterable, Sendable {
        case circle, square, triangle, ring, cross, star, blob, stripes, checker, dots
    }

    public let count: Int
    public let size: Int
    public let seed: UInt64
    public let shapes: [Shape]
    /// Largest standard deviation of the per-pixel Gaussian noise (each image draws one in [0, maxNoise]).
    public let maxNoise: Float

    public init(count: Int = 5000, size: Int = 32, seed: UInt64 = 0, shapes: [Shape] = Shape.allCases,
                maxNoise: Float = 0.06) throws {
        guard count > 0 else { throw DataError.invalidArgument(name: "SyntheticShapesDataset", detail: "count \(count) must be positive") }
        guard size >= 8, size <= 4096 else {
            throw DataError.invalidArgument(name: "SyntheticShapesDataset", detail: "size \(size) must be in 8...4096")
        }
        guard !shapes.isEmpty else { throw DataError.invalidArgument(name: "SyntheticShapesDataset", detail: "no shapes") }
        guard maxNoise >= 0, maxNoise <= 1 else {
            throw DataError.invalidArgument(name: "SyntheticShapesDataset", detail: "maxNoise \(maxNoise) must be in [0, 1]")
        }
        self.count = count
        self.size = size
        self.seed = seed
        self.shapes = shapes
        self.maxNoise = maxNoise
    }

    public var classNames: [String] { shapes.map(\.rawValue) }
    public func label(at index: Int) -> Int? { index % shapes.count }

    public func name(at index: Int) -> String {
        let digits = String(index)
        return shapes[index % shapes.count].rawValue + "/" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".png"
    }

    public func image(at index: Int) throws -> Image {
        guard index >= 0, index < count else { throw DataError.indexOutOfRange(index: index, count: count) }
        return render(index)
    }

    /// Writes every image as PNG in ImageFolder layout (`folder/<class>/<index>.png`), e.g. to compare
    /// loaders on identical files.
    public func writeImageFolder(to folder: String) throws {
        for c in classNames {
            do {
                try FileManager.default.createDirectory(atPath: folder + "/" + c, withIntermediateDirectories: true)
            } catch {
                throw DataError.writeFailed(path: folder + "/" + c, reason: error.localizedDescription)
            }
        }
        for i in 0..<count { try PNGWriter.write(render(i), to: folder + "/" + name(at: i)) }
    }

    // MARK: - Rendering

    struct Colour { var r: Float, g: Float, b: Float }

    static func randomColour(_ rng: inout RNG) -> Colour {
        Colour(r: rng.uniform(), g: rng.uniform(), b: rng.uniform())
    }

    static func distance(_ a: Colour, _ b: Colour) -> Float {
        let dr = a.r - b.r, dg = a.g - b.g, db = a.b - b.b
        return (dr * dr + dg * dg + db * db).squareRoot()
    }

    func render(_ index: Int) -> Image {
        var rng = RNG(seed: seed, stream: UInt64(index))
        let shape = shapes[index % shapes.count]
        let n = size
        // Background: a linear gradient between two colours (amplitude random, sometimes flat).
        let c0 = Self.randomColour(&rng), c1raw = Self.randomColour(&rng)
        let gradAmount = rng.uniform() < 0.3 ? 0 : rng.uniform(0.2, 1)
        let c1 = Colour(r: c0.r + (c1raw.r - c0.r) * gradAmount, g: c0.g + (c1raw.g - c0.g) * gradAmount,
                        b: c0.b + (c1raw.b - c0.b) * gradAmount)
        let gAngle = rng.uniform(0, 2 * .pi)
        let gdx = cos(gAngle), gdy = sin(gAngle)
        let bgMean = Colour(r: (c0.r + c1.r) / 2, g: (c0.g + c1.g) / 2, b: (c0.b + c1.b) / 2)
        var fg = Self.randomColour(&rng)
        for _ in 0..<32 where Self.distance(fg, bgMean) < 0.45 { fg = Self.randomColour(&rng) }
        // Geometry in normalised coordinates u, v ∈ [-1, 1].
        let cx = rng.uniform(-0.3, 0.3), cy = rng.uniform(-0.3, 0.3)
        let radius = rng.uniform(0.42, 0.75)
        let angle = rng.uniform(0, 2 * .pi)
        let ca = cos(angle), sa = sin(angle)
        let period = rng.uniform(0.22, 0.45)      // textures
        let phase = rng.uniform(0, 1)
        let phase2 = rng.uniform(0, 1)
        let blobA = (rng.uniform(0.08, 0.2), rng.uniform(0.08, 0.2), rng.uniform(0.04, 0.12))
        let blobP = (rng.uniform(0, 2 * .pi), rng.uniform(0, 2 * .pi), rng.uniform(0, 2 * .pi))
        let noise = rng.uniform(0, maxNoise)
        let pixel: Float = 2 / Float(n)

        var out = [UInt8](repeating: 0, count: n * n * 3)
        for y in 0..<n {
            let v = (Float(y) + 0.5) * pixel - 1
            for x in 0..<n {
                let u = (Float(x) + 0.5) * pixel - 1
                // Signed distance (negative inside) in units of `scale`.
                let d: Float, scale: Float
                switch shape {
                case .stripes, .checker, .dots:
                    let pu = ca * u + sa * v, pv = -sa * u + ca * v
                    scale = 1
                    d = Self.textureDistance(shape, pu, pv, period: period, phase: phase, phase2: phase2)
                default:
                    let qx = u - cx, qy = v - cy
                    let px = (ca * qx + sa * qy) / radius, py = (-sa * qx + ca * qy) / radius
                    scale = radius
                    d = Self.shapeDistance(shape, px, py, blobA: blobA, blobP: blobP)
                }
                let cover = min(max(0.5 - d * scale / pixel, 0), 1)
                let t = min(max(0.5 + 0.5 * (u * gdx + v * gdy) / 1.42, 0), 1)
                let br = c0.r + (c1.r - c0.r) * t, bgG = c0.g + (c1.g - c0.g) * t, bb = c0.b + (c1.b - c0.b) * t
                var r = br + (fg.r - br) * cover
                var g = bgG + (fg.g - bgG) * cover
                var b = bb + (fg.b - bb) * cover
                if noise > 0 {
                    r += noise * rng.normal()
                    g += noise * rng.normal()
                    b += noise * rng.normal()
                }
                let o = (y * n + x) * 3
                out[o] = UInt8(min(max(r, 0), 1) * 255 + 0.5)
                out[o + 1] = UInt8(min(max(g, 0), 1) * 255 + 0.5)
                out[o + 2] = UInt8(min(max(b, 0), 1) * 255 + 0.5)
            }
        }
        return Image(uncheckedWidth: n, height: n, pixels: out)
    }

    static func boxDistance(_ x: Float, _ y: Float, _ hx: Float, _ hy: Float) -> Float {
        let dx = abs(x) - hx, dy = abs(y) - hy
        let ox = max(dx, 0), oy = max(dy, 0)
        return (ox * ox + oy * oy).squareRoot() + min(max(dx, dy), 0)
    }

    static func shapeDistance(_ shape: Shape, _ x: Float, _ y: Float, blobA: (Float, Float, Float),
                              blobP: (Float, Float, Float)) -> Float {
        switch shape {
        case .circle:
            return (x * x + y * y).squareRoot() - 0.9
        case .square:
            return boxDistance(x, y, 0.75, 0.75)
        case .triangle:
            // Equilateral triangle, circumradius 1: the max over its three edge half-planes.
            var m: Float = -.infinity
            for k in 0..<3 {
                let a = Float.pi / 2 + Float(k) * 2 * .pi / 3
                m = max(m, -(x * cos(a) + y * sin(a)) - 0.5)
            }
            return m
        case .ring:
            return abs((x * x + y * y).squareRoot() - 0.72) - 0.2
        case .cross:
            return min(boxDistance(x, y, 0.95, 0.27), boxDistance(x, y, 0.27, 0.95))
        case .star:
            let rho = (x * x + y * y).squareRoot()
            let t = (atan2(y, x) / (2 * .pi) + 1) * 5
            let tri = abs((t - t.rounded(.down)) - 0.5) * 2   // 1 at the five points, 0 between
            return (rho - (0.38 + 0.62 * tri)) * 0.6
        case .blob:
            let rho = (x * x + y * y).squareRoot(), th = atan2(y, x)
            let r = 0.75 * (1 + blobA.0 * sin(2 * th + blobP.0) + blobA.1 * sin(3 * th + blobP.1)
                                + blobA.2 * sin(5 * th + blobP.2))
            return rho - r
        case .stripes, .checker, .dots:
            return 1
        }
    }

    static func textureDistance(_ shape: Shape, _ u: Float, _ v: Float, period: Float, phase: Float,
                                phase2: Float) -> Float {
        switch shape {
        case .stripes:
            // Bands of width period/2: distance to the nearest band edge, negative inside.
            return -sin(2 * .pi * (u / period + phase)) * period / (2 * .pi)
        case .checker:
            let du = sin(.pi * (u / period + phase)) * period / .pi
            let dv = sin(.pi * (v / period + phase2)) * period / .pi
            let edge = min(abs(du), abs(dv))
            return du * dv > 0 ? -edge : edge
        case .dots:
            let fu = (u / period + phase), fv = (v / period + phase2)
            let ou = (fu - fu.rounded(.down) - 0.5) * period, ov = (fv - fv.rounded(.down) - 0.5) * period
            return (ou * ou + ov * ov).squareRoot() - 0.28 * period
        default:
            return 1
        }
    }
}
