import XCTest
@testable import PretextRunner
import PretextData
import PretextNN
import PretextTensor

final class FineTunerTests: XCTestCase {
    func tinyResNet(seed: UInt64 = 0) -> ResNet {
        var rng = RNG(seed: seed)
        return ResNet(.resnet18, cifarStem: true, width: 0.125, rng: &rng)
    }

    func testHeadAndBackboneGetTwoLearningRates() throws {
        var options = FineTuner.Options()
        options.backboneLRScale = 0.1
        let net = tinyResNet()
        let tuner = try FineTuner(backbone: net, classes: 10, options: options)
        let groups = tuner.optimizer.groups
        XCTAssertEqual(groups.map(\.name), ["head", "backbone"])
        XCTAssertEqual(groups[0].learningRateScale, 1)
        XCTAssertEqual(groups[1].learningRateScale, 0.1, accuracy: 1e-7)
        XCTAssertEqual(Set(groups[0].parameters.map(\.key)), ["head.weight", "head.bias"])
        XCTAssertEqual(groups[1].parameters.count, net.namedParameters().count)
        XCTAssertEqual(tuner.head.weight.shape, [10, net.featureDim])
        // The state dict loads into torchvision's resnet: backbone keys plus fc.*
        let keys = Set(tuner.stateDict().map(\.key))
        XCTAssertTrue(keys.contains("fc.weight") && keys.contains("layer4.1.bn2.running_mean") && keys.contains("conv1.weight"))
    }

    func testOneStepMovesTheBackboneTenTimesLessThanTheHeadWouldAtItsRate() throws {
        // SGD without momentum on the first step: Δp = −lr·scale·g. Check the backbone's update is lr × 0.1 × g.
        var options = FineTuner.Options()
        options.momentum = 0
        options.weightDecay = 0
        options.learningRate = 0.5
        let net = tinyResNet()
        let tuner = try FineTuner(backbone: net, classes: 3, options: options)
        let w = net.conv1.weight, before = w.scalars
        var rng = RNG(seed: 1)
        let x = Tensor.normal([4, 3, 8, 8], rng: &rng)
        try tuner.head(try net(x)).crossEntropy(labels: [0, 1, 2, 0]).backward()
        let g = w.grad!.scalars
        try tuner.optimizer.step(learningRate: 0.5)
        let after = w.scalars
        for i in stride(from: 0, to: before.count, by: 97) where abs(g[i]) > 1e-6 {
            XCTAssertEqual((before[i] - after[i]) / g[i], 0.05, accuracy: 1e-3)
        }
    }

    func testFreezingAndGradualUnfreezing() throws {
        var options = FineTuner.Options()
        options.freezeStages = 3          // stem, layer1, layer2
        options.unfreezeEvery = 2
        options.epochs = 8
        let net = tinyResNet()
        let tuner = try FineTuner(backbone: net, classes: 3, options: options)
        XCTAssertEqual(tuner.stages.count, 5)
        XCTAssertEqual((0..<8).map(tuner.frozenStages(atEpoch:)), [3, 3, 2, 2, 1, 1, 0, 0])
        XCTAssertFalse(net.conv1.weight.requiresGrad)
        XCTAssertFalse(net.namedParameters().first { $0.key == "layer2.0.conv1.weight" }!.tensor.requiresGrad)
        XCTAssertTrue(net.namedParameters().first { $0.key == "layer3.0.conv1.weight" }!.tensor.requiresGrad)
        // Frozen batch-norms stay in evaluation mode while the rest trains.
        tuner.setTrainingMode(frozen: 3)
        XCTAssertFalse(net.bn1.isTraining)
        XCTAssertTrue(net.namedModules().first { $0.key == "layer3" }!.module.isTraining)
        tuner.applyFreezing(tuner.frozenStages(atEpoch: 2))   // layer2 released first (deepest frozen)
        XCTAssertTrue(net.namedParameters().first { $0.key == "layer2.0.conv1.weight" }!.tensor.requiresGrad)
        XCTAssertFalse(net.namedParameters().first { $0.key == "layer1.0.conv1.weight" }!.tensor.requiresGrad)
        XCTAssertThrowsError(try FineTuner(backbone: tinyResNet(), classes: 3, options: { var o = FineTuner.Options(); o.freezeStages = 6; return o }())) {
            XCTAssertTrue("\($0)".contains("5 stages"), "\($0)")
        }
    }

    func testViTStages() {
        var rng = RNG(seed: 0)
        let vit = VisionTransformer(dim: 16, depth: 3, heads: 2, patchSize: 4, imageSize: 16, rng: &rng)
        XCTAssertEqual(BackboneStages.stages(of: vit), [["patch_embed", "cls_token", "pos_embed"], ["blocks.0"], ["blocks.1"], ["blocks.2"], ["norm"]])
        vit.freeze(prefix: "cls_token")
        XCTAssertFalse(vit.clsToken.requiresGrad)
    }

    func testTrainingRunWritesHistoryAndImprovesOnAnEasyTask() throws {
        // Two classes: dark and bright images with noise. A short fine-tune must beat chance clearly.
        var rng = RNG(seed: 5)
        func images(_ n: Int) -> ([Image], [Int?]) {
            var imgs: [Image] = [], labels: [Int?] = []
            for i in 0..<n {
                let c = i % 2
                var px = [UInt8](repeating: 0, count: 8 * 8 * 3)
                for k in 0..<px.count { px[k] = UInt8(max(0, min(255, (c == 0 ? 60 : 190) + Int(rng.normal() * 30)))) }
                imgs.append(try! Image(width: 8, height: 8, pixels: px))
                labels.append(c)
            }
            return (imgs, labels)
        }
        let (a, la) = images(64), (b, lb) = images(32)
        let train = try InMemoryDataset(images: a, labels: la, classNames: ["dark", "bright"])
        let test = try InMemoryDataset(images: b, labels: lb, classNames: ["dark", "bright"])
        var options = FineTuner.Options()
        options.epochs = 3
        options.batchSize = 16
        options.inputSize = 8
        options.minScale = 0.5
        options.workers = 0
        let tuner = try FineTuner(backbone: tinyResNet(), classes: 2, options: options)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-\(UUID().uuidString.prefix(8))")
        var lines: [String] = []
        let history = try tuner.run(train: train, test: test, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], outDir: dir) { lines.append($0) }
        XCTAssertEqual(history.count, 3)
        XCTAssertEqual(lines.count, 3)
        XCTAssertGreaterThanOrEqual(history.last!.testTop1, 0.9, "\(history.map(\.testTop1))")
        let csv = try String(contentsOf: dir.appendingPathComponent("history.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 4)
        XCTAssertTrue(csv[0].hasPrefix("epoch,train_loss,train_top1,test_top1"))
        let png = try ImageDecoder.decode(file: dir.appendingPathComponent("accuracy.png").path)
        XCTAssertEqual(png.width, 800)
    }
}
