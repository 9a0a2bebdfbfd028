import XCTest
import PretextCore
import PretextKit
import PretextNN
import PretextTensor

/// The backbones' activation counts (used by the memory check before training) against what a real
/// forward pass keeps alive for backward, measured by the buffer pool: within a factor of 1.5.
final class ActivationEstimateTests: XCTestCase {
    func measuredBytesPerImage(_ net: any Backbone, side: Int, batch: Int) throws -> Double {
        var rng = RNG(seed: 1)
        let x = Tensor.normal([batch, 3, side, side], rng: &rng)
        let before = BufferPool.shared.bytesInUse
        let y = try net(x)
        let kept = BufferPool.shared.bytesInUse - before
        XCTAssertTrue(y.requiresGrad)
        return Double(kept) / Double(batch)
    }

    func testResNetEstimateMatchesTheLiveActivations() throws {
        var rng = RNG(seed: 0)
        for (cifar, side) in [(true, 32), (false, 64)] {
            let net = ResNet(.resnet18, cifarStem: cifar, width: 0.25, rng: &rng)
            let measured = try measuredBytesPerImage(net, side: side, batch: 4)
            let estimated = (net as any Backbone).activationFloats(side: side) * 4
            XCTAssertGreaterThan(estimated, 0)
            XCTAssertTrue((0.67...1.5).contains(estimated / measured), "cifar_stem \(cifar): estimated \(estimated), measured \(measured) bytes per image")
        }
    }

    func testViTEstimateMatchesTheLiveActivations() throws {
        var rng = RNG(seed: 0)
        let net = VisionTransformer(dim: 192, depth: 2, heads: 3, patchSize: 4, imageSize: 32, rng: &rng)
        let measured = try measuredBytesPerImage(net, side: 32, batch: 2)
        let estimated = (net as any Backbone).activationFloats(side: 32) * 4
        XCTAssertTrue((0.67...1.5).contains(estimated / measured), "estimated \(estimated), measured \(measured) bytes per image")
    }
}
