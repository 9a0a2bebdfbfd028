import XCTest
import PretextSDK
@testable import __NAME__

/// Builds the method through the registry, as ssl-run does, and checks one training step.
final class __NAME__Tests: XCTestCase {
    func testOneStepGivesAFiniteLossAndGradients() throws {
        let registry = Registry()
        try Builtins.register(in: registry)
        try __NAME__.register(in: registry)
        let context = BuildContext(registry: registry, seed: 0)
        let builder = MethodBuilder(
            config: ConfigSection(path: "method", value: try ConfigFile.parse("temperature: 0.5")),
            backboneConfig: ConfigSection(path: "backbone", value: try ConfigFile.parse("width: 0.25\ncifar_stem: true")),
            viewsConfig: ConfigSection(path: "views", value: try ConfigFile.parse("input_size: 32")),
            backboneName: "resnet18", epochs: 1, context: context)
        let method = try registry.makeMethod("__KEY__", builder)
        let data = try SyntheticShapesDataset(count: 8, size: 32, seed: 0)
        let loader = try DataLoader(dataset: data, transform: method.views, batchSize: 8, shuffle: true, dropLast: true,
                                    seed: 0, workers: 1, prefetch: 1)
        let batch = try XCTUnwrap(try loader.epoch(0).nextBatch())
        let ctx = StepContext(epoch: 0, epochs: 1, step: 0, totalSteps: 1, stepsPerEpoch: 1, learningRate: 0.1, rng: RNG(seed: 0))
        let out = try method.step(batch, ctx)
        XCTAssertTrue(out.loss.item.isFinite)
        try out.loss.backward()
        XCTAssertNotNil(method.backbone.parameters().first?.grad)
    }
}
