import Foundation
import XCTest
@testable import PretextData

/// Each core op against torchvision.transforms.v2.functional on the same float32 image, for fixed
/// parameters (fixtures: Tests/Fixtures/data/make_data_fixtures.py on real_patch.png).
///
/// Tolerances: ops that only move or select values (crop, flips, rot90, solarize, ToTensor) and
/// single-operation arithmetic (normalize) must match exactly. Ops with sums of products can differ in
/// the last bits: torch's CPU kernels use fused multiply-add (AVX2 `fmadd` in `add(alpha=)`, `_blend`,
/// grayscale) and a different summation order (2-D conv for blur, cascade sum for the contrast mean),
/// while these loops round each product. For values in [0, 1] each such rounding is ≤ 6e-8 (half an ulp
/// of 1.0), so a few dozen terms stay far below 2e-6; the bound used, 5e-6 on [0, 1] data (and ×1/std ≈ 4.5
/// for normalized outputs), is ~50× tighter than the smallest 8-bit step (1/255 ≈ 3.9e-3), so any
/// algorithmic difference (a wrong tap, weight, order, rounding rule or clamp) fails it.
final class TransformFixtureTests: XCTestCase {
    struct Case {
        var name: String
        var op: String
        var params: [String: Any]
        var shape: [Int]
        var data: [Float]
    }

    static func loadCases() throws -> (source: FloatImage, cases: [Case]) {
        let doc = try TestSupport.json("transforms.json")
        let raw = try XCTUnwrap(doc["cases"] as? [[String: Any]])
        let cases = raw.map { c in
            Case(name: c["name"] as! String, op: c["op"] as! String, params: c["params"] as! [String: Any],
                 shape: c["shape"] as! [Int], data: TestSupport.floats(base64: c["data"] as! String))
        }
        let img = try ImageDecoder.decode(file: TestSupport.fixtures.appendingPathComponent("real_patch.png").path)
        return (FloatImage(img), cases)
    }

    static func float(_ v: Any?) -> Float { Float((v as? NSNumber)?.doubleValue ?? .nan) }
    static func int(_ v: Any?) -> Int { (v as? NSNumber)?.intValue ?? -1 }

    /// Runs one fixture case through ImageOps; returns the output and the tolerance that applies.
    static func run(_ c: Case, on x: FloatImage) throws -> (FloatImage, Float) {
        let p = c.params
        var y = x
        var tol: Float = 5e-6
        switch c.op {
        case "to_tensor":
            tol = 0
        case "resized_crop":
            let interp = Interpolation(rawValue: p["interpolation"] as! String)!
            let size = p["size"] as! [Int]
            y = ImageOps.resizedCrop(x, top: int(p["top"]), left: int(p["left"]), height: int(p["height"]),
                                     width: int(p["width"]), outputHeight: size[0], outputWidth: size[1],
                                     interpolation: interp)
        case "resize":
            y = ImageOps.resizeShorterSide(x, to: int(p["size"]), interpolation: .bilinear)
        case "center_crop":
            y = ImageOps.centerCrop(x, height: int(p["height"]), width: int(p["width"]))
            tol = 0
        case "hflip":
            ImageOps.horizontalFlip(&y)
            tol = 0
        case "vflip":
            ImageOps.verticalFlip(&y)
            tol = 0
        case "rot90":
            y = ImageOps.rotate90(x, int(p["k"]))
            tol = 0
        case "brightness":
            ImageOps.adjustBrightness(&y, float(p["factor"]))
        case "contrast":
            ImageOps.adjustContrast(&y, float(p["factor"]))
        case "saturation":
            ImageOps.adjustSaturation(&y, float(p["factor"]))
        case "hue":
            ImageOps.adjustHue(&y, float(p["factor"]))
        case "grayscale":
            y = ImageOps.grayscale(x, outputChannels: 3)
        case "gaussian_blur":
            ImageOps.gaussianBlur(&y, kernelSize: int(p["kernel_size"]), sigma: float(p["sigma"]))
        case "solarize":
            ImageOps.solarize(&y, threshold: float(p["threshold"]))
            tol = 0
        case "normalize":
            ImageOps.normalize(&y, mean: (p["mean"] as! [NSNumber]).map { $0.floatValue },
                               std: (p["std"] as! [NSNumber]).map { $0.floatValue })
            tol = 0
        case "color_jitter":
            ImageOps.colorJitter(&y, order: p["order"] as! [Int], brightness: float(p["brightness"]),
                                 contrast: float(p["contrast"]), saturation: float(p["saturation"]), hue: float(p["hue"]))
        case "composed":
            let crop = p["crop"] as! [Int]
            y = ImageOps.resizedCrop(x, top: crop[0], left: crop[1], height: crop[2], width: crop[3],
                                     outputHeight: int(p["size"]), outputWidth: int(p["size"]))
            if p["hflip"] as? Bool == true { ImageOps.horizontalFlip(&y) }
            ImageOps.colorJitter(&y, order: p["order"] as! [Int], brightness: float(p["brightness"]),
                                 contrast: float(p["contrast"]), saturation: float(p["saturation"]), hue: float(p["hue"]))
            ImageOps.gaussianBlur(&y, kernelSize: int(p["blur_kernel"]), sigma: float(p["blur_sigma"]))
            ImageOps.solarize(&y, threshold: float(p["solarize"]))
            ImageOps.normalize(&y, mean: (p["mean"] as! [NSNumber]).map { $0.floatValue },
                               std: (p["std"] as! [NSNumber]).map { $0.floatValue })
            tol = 5e-6 / 0.224
        default:
            throw DataError.invalidArgument(name: "fixture", detail: "unknown op \(c.op)")
        }
        return (y, tol)
    }

    func testEveryOpMatchesTorchvision() throws {
        let (x, cases) = try Self.loadCases()
        XCTAssertEqual([x.channels, x.height, x.width], [3, 24, 32])
        XCTAssertGreaterThanOrEqual(cases.count, 40)
        var report: [String] = []
        for c in cases {
            let (y, tol) = try Self.run(c, on: x)
            XCTAssertEqual([y.channels, y.height, y.width], c.shape, c.name)
            guard y.data.count == c.data.count else { continue }
            let err = TestSupport.maxAbsDiff(y.data, c.data)
            report.append("\(c.name): max |Δ| = \(err) (tolerance \(tol))")
            XCTAssertLessThanOrEqual(err, tol, "\(c.name): max abs difference \(err) > \(tol)")
        }
        print(report.joined(separator: "\n"))
    }

    /// The 8-bit input converts exactly as torchvision (x * (1/255) in float32).
    func testToTensorIsExact() throws {
        let (x, cases) = try Self.loadCases()
        let c = try XCTUnwrap(cases.first { $0.op == "to_tensor" })
        XCTAssertEqual(x.data, c.data)
    }

    /// A bug in the resampling weights or the colour formulas would show far above the tolerance:
    /// e.g. a bicubic filter with a = -0.75 (OpenCV's) instead of -0.5.
    func testToleranceCatchesAWrongFilter() throws {
        let (x, cases) = try Self.loadCases()
        let c = try XCTUnwrap(cases.first { $0.name == "resized_crop_bilinear_down" })
        let p = c.params
        let size = p["size"] as! [Int]
        let wrong = ImageOps.resizedCrop(x, top: Self.int(p["top"]), left: Self.int(p["left"]),
                                         height: Self.int(p["height"]), width: Self.int(p["width"]),
                                         outputHeight: size[0], outputWidth: size[1], interpolation: .bicubic)
        XCTAssertGreaterThan(TestSupport.maxAbsDiff(wrong.data, c.data), 1e-2)
    }
}
