import Foundation
import XCTest
@testable import PretextData
import PretextSelfDistillation

/// Random transforms, multi-view presets and the config.
final class TransformTests: XCTestCase {
    let square = FloatImage(TestSupport.noiseImage(width: 40, height: 40, seed: 1))

    func testRandomResizedCropParametersFollowTorchvision() throws {
        var rng = RNG(seed: 11)
        var areas: [Double] = []
        for _ in 0..<2000 {
            let b = RandomResizedCrop.parameters(height: 30, width: 50, scale: (0.08, 1), ratio: (0.75, 4.0 / 3.0), rng: &rng)
            XCTAssertTrue(b.top >= 0 && b.left >= 0 && b.top + b.height <= 30 && b.left + b.width <= 50, "\(b)")
            XCTAssertGreaterThan(b.height, 0)
            areas.append(Double(b.height * b.width) / 1500)
        }
        // Area fractions roughly uniform over the accepted part of [0.08, 1].
        XCTAssertLessThan(areas.min()!, 0.12)
        XCTAssertGreaterThan(areas.max()!, 0.75) // the largest crop allowed by the ratio is 30x40 = 0.8
        // Fallback: an impossible ratio range gives the central crop clamped to the ratio.
        let f = RandomResizedCrop.parameters(height: 10, width: 100, scale: (0.9, 1), ratio: (1, 2), rng: &rng)
        XCTAssertEqual(f, CropBox(top: 0, left: 40, height: 10, width: 20))
        let g = RandomResizedCrop.parameters(height: 100, width: 10, scale: (0.9, 1), ratio: (1, 2), rng: &rng)
        XCTAssertEqual(g, CropBox(top: 45, left: 0, height: 10, width: 10))
        // Whole image when scale is (1, 1) and the ratio allows it.
        let w = RandomResizedCrop.parameters(height: 20, width: 20, scale: (1, 1), ratio: (1, 1), rng: &rng)
        XCTAssertEqual(w, CropBox(top: 0, left: 0, height: 20, width: 20))
    }

    func testRandomTransformsAreDeterministicAndUseTheirProbabilities() throws {
        let chain = Compose([try RandomResizedCrop(size: 24), try RandomHorizontalFlip(), try ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8),
                             try RandomGrayscale(p: 0.2), try GaussianBlur(sigma: (0.1, 2), p: 0.5), try RandomSolarization(p: 0.2)])
        var r1 = RNG(seed: 5), r2 = RNG(seed: 5)
        XCTAssertEqual(chain(square, &r1), chain(square, &r2))
        // p = 0 never changes the image, p = 1 always does.
        var rng = RNG(seed: 1)
        for aug in [try RandomHorizontalFlip(p: 0), try RandomVerticalFlip(p: 0)] as [any ImageAugmentation] {
            XCTAssertEqual(aug(square, &rng), square)
        }
        XCTAssertEqual(try RandomHorizontalFlip(p: 1)(square, &rng), {
            var s = square; ImageOps.horizontalFlip(&s); return s }())
        XCTAssertEqual(try RandomGrayscale(p: 1)(square, &rng), ImageOps.grayscale(square))
        // Flip frequency ≈ p.
        let flip = try RandomHorizontalFlip(p: 0.3)
        var flips = 0
        for _ in 0..<2000 where flip(square, &rng) != square { flips += 1 }
        XCTAssertEqual(Double(flips) / 2000, 0.3, accuracy: 0.04)
        XCTAssertThrowsError(try RandomHorizontalFlip(p: 1.5))
        XCTAssertThrowsError(try GaussianBlur(kernelSize: 4))
        XCTAssertThrowsError(try ColorJitter(hue: 0.7))
    }

    func testColorJitterSamplesLikeTorchvision() throws {
        let cj = try ColorJitter(brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.2)
        XCTAssertEqual(cj.brightness!.0, 0.2, accuracy: 1e-6)
        XCTAssertEqual(cj.brightness!.1, 1.8, accuracy: 1e-6)
        XCTAssertEqual(cj.hue!.0, -0.2)
        var rng = RNG(seed: 3)
        var orders = Set<[Int]>()
        for _ in 0..<500 {
            let p = cj.sampleParameters(&rng)
            orders.insert(p.order)
            XCTAssertEqual(p.order.sorted(), [0, 1, 2, 3])
            XCTAssertTrue((0.2...1.8).contains(p.brightness!) && (-0.2...0.2).contains(p.hue!))
        }
        XCTAssertEqual(orders.count, 24, "every order of the four steps occurs")
        // A zero strength disables the step (no factor drawn).
        let b = try ColorJitter(brightness: 0.5)
        XCTAssertNil(b.sampleParameters(&rng).contrast)
        // Strength 1.1 clips the lower bound at 0 like torchvision.
        XCTAssertEqual(try ColorJitter(brightness: 1.1).brightness!.0, 0)
    }

    /// A blur σ too large for any kernel (1e30: 3σ does not fit an Int) is refused when the transform is
    /// built, not trapped on when the first image is blurred.
    func testImpossibleBlurSigmaIsRefusedUpFront() throws {
        XCTAssertThrowsError(try GaussianBlur(sigma: (0.1, 1e30))) { XCTAssertTrue("\($0)".contains("1000"), "\($0)") }
        XCTAssertThrowsError(try SimCLRViews(inputSize: 32, blurSigma: (0.1, 1e30)))
        XCTAssertNoThrow(try GaussianBlur(sigma: (0.1, 1000)))
    }

    func testPresetsProduceTheRightViews() throws {
        let img = TestSupport.noiseImage(width: 32, height: 32, seed: 2)
        var rng = RNG(seed: 0)
        let simclr = try SimCLRViews(inputSize: 32, blurProb: 0)
        let v = simclr(img, &rng)
        XCTAssertEqual(v.tensors.map(\.shape), [[3, 32, 32], [3, 32, 32]])
        XCTAssertTrue(v.labels.isEmpty)
        XCTAssertNotEqual(v.tensors[0].scalars, v.tensors[1].scalars, "two independent views")
        // Lightly defaults.
        let d = try SimCLRViews()
        XCTAssertEqual(d.view.size, 224)
        XCTAssertEqual(d.view.brightness, 0.8)
        XCTAssertEqual(d.view.hue, 0.2)
        XCTAssertEqual(d.view.scale.0, 0.08)
        XCTAssertEqual(d.view.blurProb, 0.5)
        XCTAssertEqual(d.view.grayscaleProb, 0.2)
        XCTAssertEqual(d.view.normalize, .imageNet)

        XCTAssertEqual(try MoCoV2Views(inputSize: 32)(img, &rng).tensors.map(\.shape), [[3, 32, 32], [3, 32, 32]])
        let byol = try BYOLViews(inputSize: 24)
        XCTAssertEqual(byol(img, &rng).tensors.map(\.shape), [[3, 24, 24], [3, 24, 24]])
        XCTAssertEqual(byol.view1.blurProb, 1.0)
        XCTAssertEqual(byol.view1.solarizeProb, 0)
        XCTAssertEqual(byol.view2.blurProb, 0.1)
        XCTAssertEqual(byol.view2.solarizeProb, 0.2)
        XCTAssertEqual(byol.view1.saturation, 0.2, accuracy: 1e-7)
    }

    func testDINOMultiCropShapesAndCounts() throws {
        let img = TestSupport.noiseImage(width: 32, height: 32, seed: 4)
        var rng = RNG(seed: 1)
        let dino = try DINOViews(globalCropSize: 64, localCropSize: 24, localViews: 6)
        let v = dino(img, &rng)
        XCTAssertEqual(v.tensors.count, 8)
        XCTAssertEqual(v.tensors.map(\.shape), [[3, 64, 64], [3, 64, 64]] + Array(repeating: [3, 24, 24], count: 6))
        let d = try DINOViews()
        XCTAssertEqual([d.global1.size, d.local.size, d.localViews], [224, 96, 6])
        XCTAssertEqual([d.global1.blurProb, d.global2.blurProb, d.local.blurProb], [1.0, 0.1, 0.5])
        XCTAssertEqual([d.global1.solarizeProb, d.global2.solarizeProb, d.local.solarizeProb], [0, 0.2, 0])
        XCTAssertEqual(d.global1.scale.0, 0.4)
        XCTAssertEqual(d.local.scale.1, 0.4)
        XCTAssertEqual(d.global1.brightness, 0.4, accuracy: 1e-7) // 0.5 × 0.8
        XCTAssertEqual(d.global1.interpolation, .bicubic)
        // Default sizes (224 / 96) on an upscaled CIFAR-size image.
        let full = d(img, &rng)
        XCTAssertEqual(full.tensors.map(\.shape), [[3, 224, 224], [3, 224, 224]] + Array(repeating: [3, 96, 96], count: 6))
        XCTAssertTrue(full.tensors.allSatisfy { t in t.scalars.allSatisfy { $0.isFinite } })
        XCTAssertEqual(try DINOViews(globalCropSize: 32, localCropSize: 16, localViews: 0)(img, &rng).tensors.count, 2)
    }

    func testBlurKernelFollowsSigma() {
        XCTAssertEqual(ImageOps.kernelSize(forSigma: 0.1), 3)
        XCTAssertEqual(ImageOps.kernelSize(forSigma: 2), 13)
        let k = ImageOps.gaussianKernel(size: 5, sigma: 1)
        XCTAssertEqual(k.reduce(0, +), 1, accuracy: 1e-6)
        XCTAssertEqual(k[2] / k[1], Float(exp(0.5)), accuracy: 1e-5)
        // Blur keeps a constant image constant (reflect padding), even when the kernel outgrows it.
        var flat = FloatImage(height: 3, width: 4, value: 0.25)
        ImageOps.gaussianBlur(&flat, kernelSize: 13, sigma: 2)
        XCTAssertTrue(flat.data.allSatisfy { abs($0 - 0.25) < 1e-6 })
    }
}
