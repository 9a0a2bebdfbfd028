import Foundation
import XCTest
@testable import PretextKit
import PretextCore
import PretextNN
import PretextTensor

/// The kit's parts for momentum methods against Lightly 1.6 (`Tests/Fixtures/kit/momentum_kit.json`,
/// made by `Tests/Fixtures/make_momentum_kit_fixture.py`): the cosine momentum schedule, the
/// negative-cosine-similarity loss (value and gradients), the collapse metric; and the builder helper.
final class MomentumKitTests: XCTestCase {
    static let fixture: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/kit/momentum_kit.json")
        let data = try! Data(contentsOf: url)
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    func matrix(_ v: Any?) -> Tensor { KitFixture.matrix(v) }

    func testCosineMomentumScheduleIsLightlysCosineSchedule() {
        let cases = Self.fixture["cosine_schedule"] as! [[String: NSNumber]]
        XCTAssertEqual(cases.count, 20)
        for c in cases {
            let s = CosineMomentumSchedule(start: c["start"]!.floatValue, end: c["end"]!.floatValue)
            let value = s.value(at: c["step"]!.intValue, of: c["max_steps"]!.intValue)
            XCTAssertEqual(Double(value), c["value"]!.doubleValue, accuracy: 1e-7, "\(c)")
        }
        // The last step reaches the end value exactly; off = constant.
        XCTAssertEqual(CosineMomentumSchedule(start: 0.99).value(at: 99, of: 100), 1)
        XCTAssertEqual(CosineMomentumSchedule(start: 0.99, cosine: false).value(at: 99, of: 100), 0.99)
        var rng = RNG(seed: 0)
        let target = MomentumTarget(online: Linear(2, 2, rng: &rng), target: Linear(2, 2, rng: &rng), start: 0.996, cosine: true)
        XCTAssertEqual(target.momentum(at: 0, of: 10), 0.996)
        XCTAssertEqual(target.momentum(at: 9, of: 10), 1)
    }

    func testNegativeCosineSimilarityAgainstLightly() throws {
        let c = Self.fixture["negative_cosine_similarity"] as! [String: Any]
        let x0 = matrix(c["x0"]), x1 = matrix(c["x1"])
        x0.requiresGrad = true
        x1.requiresGrad = true
        let loss = try NegativeCosineSimilarityLoss()([x0, x1])
        XCTAssertEqual(Double(loss.item), (c["loss"] as! NSNumber).doubleValue, accuracy: 1e-6)
        try loss.backward()
        for (g, key) in [(x0.grad!, "grad_x0"), (x1.grad!, "grad_x1")] {
            for (a, b) in zip(g.scalars, matrix(c[key]).scalars) { XCTAssertEqual(a, b, accuracy: 1e-6, key) }
        }
        // Aligned pairs give the minimum −1; the registry builds it by name.
        let registry = Registry()
        try Builtins.register(in: registry)
        let byName = try registry.makeLoss("negative-cosine-similarity", ConfigSection(path: "method"), BuildContext(registry: registry, seed: 0))
        XCTAssertEqual(try byName([x0.detached(), x0.detached() * 3]).item, -1, accuracy: 1e-6)
    }

    func testCollapseMetricAgainstLightly() throws {
        let c = Self.fixture["std_of_l2_normalized"] as! [String: Any]
        XCTAssertEqual(try CollapseMetric.stdOfL2Normalized(matrix(c["z"])), (c["value"] as! NSNumber).doubleValue, accuracy: 1e-6)
        XCTAssertEqual(try CollapseMetric.stdOfL2Normalized(Tensor.ones([8, 4])), 0, accuracy: 1e-7)
        XCTAssertThrowsError(try CollapseMetric.stdOfL2Normalized(Tensor.ones([1, 4])))
    }

    func testBuilderReadsMomentumKeysOnce() throws {
        let registry = Registry()
        try Builtins.register(in: registry)
        func builder(_ values: [String: ConfigValue]) -> MethodBuilder {
            MethodBuilder(config: ConfigSection(path: "method", values: values), backboneConfig: ConfigSection(path: "backbone"),
                          viewsConfig: ConfigSection(path: "views"), backboneName: "resnet18", epochs: 1,
                          context: BuildContext(registry: registry, seed: 0))
        }
        var rng = RNG(seed: 1)
        let a = Linear(3, 3, rng: &rng), b = Linear(3, 3, rng: &rng)
        let targets = try builder(["momentum": .double(0.9), "momentum_cosine": .bool(true)]).momentumTargets([(a, b)], momentum: 0.99, cosine: false)
        XCTAssertEqual(targets.count, 1)
        XCTAssertEqual(targets[0].momentum(at: 0, of: 5), 0.9)
        XCTAssertEqual(targets[0].momentum(at: 4, of: 5), 1)
        let defaults = try builder([:]).momentumTargets([(a, b)], momentum: 0.99, cosine: false)
        XCTAssertEqual(defaults[0].momentum(at: 4, of: 5), 0.99)
        XCTAssertThrowsError(try builder(["momentum": .double(1.5)]).momentumTargets([(a, b)], momentum: 0.99, cosine: false)) {
            XCTAssertTrue("\($0)".contains("method.momentum"), "\($0)")
        }
    }
}
