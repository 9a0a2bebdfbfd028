import XCTest
import PretextTensor
@testable import PretextNN

/// ResNets against torchvision (keys, shapes, parameter counts, eval-mode features with the formula
/// weights of `make_nn_fixtures.py`).
final class ResNetTests: XCTestCase {
    func checkAgainstTorch(_ name: String, _ net: ResNet, featureDim: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let fx = Fixture.model(name)
        assertKeys(net, Fixture.keys(fx["keys"]), name, file: file, line: line)
        XCTAssertEqual(net.parameterCount, (fx["parameters"] as! NSNumber).intValue, "\(name) parameter count", file: file, line: line)
        XCTAssertEqual(net.featureDim, featureDim, file: file, line: line)
        guard let out = fx["output"] else { return }
        Formula.fill(net)
        net.eval()
        let y = try noGrad { try net(Formula.input(Fixture.ints(fx["input_shape"]))) }
        let ref = Fixture.tensor(out)
        XCTAssertEqual(y.shape, ref.shape, "\(name) output shape", file: file, line: line)
        assertClose(y.scalars, ref.scalars, rtol: 1e-4, "\(name) features vs torchvision", file: file, line: line)
    }

    func testResNet18MatchesTorchvision() throws {
        var rng = RNG(seed: 1)
        try checkAgainstTorch("resnet18", ResNet(.resnet18, initialize: false, rng: &rng), featureDim: 512)
    }

    func testResNet18CifarStemMatchesTorchvision() throws {
        var rng = RNG(seed: 2)
        let net = ResNet(.resnet18, cifarStem: true, initialize: false, rng: &rng)
        XCTAssertEqual(net.conv1.weight.shape, [64, 3, 3, 3])
        try checkAgainstTorch("resnet18_cifar", net, featureDim: 512)
    }

    /// The shared fidelity recipe's network (`lightly_knn.backbone(0.25)`, verified equal to the
    /// key-mapped reference by the fixture script).
    func testResNet18Width025MatchesFidelityRecipe() throws {
        var rng = RNG(seed: 3)
        let net = ResNet(.resnet18, cifarStem: true, width: 0.25, rng: &rng)
        XCTAssertEqual(net.stageChannels, [16, 32, 64, 128])
        try checkAgainstTorch("resnet18_cifar_w0.25", net, featureDim: 128)
        XCTAssertEqual(Fixture.section("misc")["resnet18_cifar_w0.25_matches_lightly_knn"] as? Bool, true)
    }

    func testResNet34Keys() throws {
        var rng = RNG(seed: 4)
        try checkAgainstTorch("resnet34", ResNet(.resnet34, initialize: false, rng: &rng), featureDim: 512)
    }

    func testResNet50MatchesTorchvision() throws {
        var rng = RNG(seed: 5)
        try checkAgainstTorch("resnet50", ResNet(.resnet50, initialize: false, rng: &rng), featureDim: 2048)
    }

    func testWidthRounding() {
        XCTAssertEqual(ResNet.stageChannels(width: 1), [64, 128, 256, 512])
        XCTAssertEqual(ResNet.stageChannels(width: 0.5), [32, 64, 128, 256])
        XCTAssertEqual(ResNet.stageChannels(width: 0.125), [8, 16, 32, 64])
        XCTAssertEqual(ResNet.stageChannels(width: 0.1), [8, 13, 26, 51])   // max(8, round(6.4)), round(12.8) …
        XCTAssertEqual(ResNet.stageChannels(width: 0.0390625), [8, 8, 10, 20])  // 2.5 → 2 → 8; 5 → 8; 10; 20
    }

    /// torchvision's init: convs Kaiming-normal fan_out (std √(2/fan_out)), BN 1/0.
    func testInitialisationStatistics() throws {
        var rng = RNG(seed: 6)
        let net = ResNet(.resnet18, cifarStem: true, width: 0.25, rng: &rng)
        let w = net.layer3.layers[0] as! BasicBlock
        let t = w.conv2.weight   // [64, 64, 3, 3], fan_out 576
        let v = t.scalars, n = Float(v.count)
        let mean = v.reduce(0, +) / n
        let std = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n).squareRoot()
        XCTAssertEqual(std, (2.0 / 576.0).squareRoot(), accuracy: 0.03 * (2.0 / 576.0).squareRoot())
        XCTAssertEqual(mean, 0, accuracy: 0.003)
        XCTAssertEqual(w.bn1.weight!.scalars, [Float](repeating: 1, count: 64))
        XCTAssertEqual(w.bn1.bias!.scalars, [Float](repeating: 0, count: 64))
        XCTAssertEqual(w.bn1.runningVar!.value.scalars, [Float](repeating: 1, count: 64))
        // Same seed, same weights.
        var rng2 = RNG(seed: 6)
        let again = ResNet(.resnet18, cifarStem: true, width: 0.25, rng: &rng2)
        XCTAssertEqual(again.layer4.layers.count, 2)
        XCTAssertEqual((again.layer3.layers[0] as! BasicBlock).conv2.weight.scalars, v)
    }

    /// Training mode: batch statistics, running statistics updated, counter incremented, gradients
    /// reach every parameter.
    func testTrainingStepUpdatesBatchNormAndGradients() throws {
        var rng = RNG(seed: 7)
        let net = ResNet(.resnet18, cifarStem: true, width: 0.125, rng: &rng)
        let x = Tensor.normal([4, 3, 8, 8], rng: &rng)
        let y = try net(x)
        XCTAssertEqual(y.shape, [4, 64])
        try (y * y).mean().backward()
        for (k, p) in net.namedParameters() { XCTAssertNotNil(p.grad, "no gradient for \(k)") }
        XCTAssertEqual(net.bn1.numBatchesTracked!.value.item, 1)
        XCTAssertNotEqual(net.bn1.runningMean!.value.scalars, [Float](repeating: 0, count: 8))
        XCTAssertEqual(net.architecture, "resnet18-cifar-w0.125")
    }
}
