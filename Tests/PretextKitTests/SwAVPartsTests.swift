import Foundation
import XCTest
@testable import PretextKit
import PretextCore
import PretextData
import PretextNN
import PretextTensor

/// SwaV's parts against Lightly 1.6 (`Tests/Fixtures/kit/swav.json`, made by
/// `Tests/Fixtures/make_swav_fixture.py`): the Sinkhorn-Knopp codes, `SwaVLoss` (value and gradients,
/// with and without a queue), the projection head, `SwaVPrototypes` (normalisation, forward, gradients,
/// freezing) and one whole step; then the registered parts and their config errors.
final class SwAVPartsTests: XCTestCase {
    static let fixture = KitFixture.load("swav")

    func matrix(_ v: Any?) -> Tensor { KitFixture.matrix(v) }

    func matrices(_ v: Any?) -> [Tensor] { (v as! [Any]).map { matrix($0) } }

    func assertClose(_ a: Tensor?, _ b: Tensor, _ message: String, accuracy: Float = 1e-5,
                     file: StaticString = #filePath, line: UInt = #line) {
        guard let a else { return XCTFail("\(message): no tensor", file: file, line: line) }
        XCTAssertEqual(a.shape, b.shape, message, file: file, line: line)
        for (x, y) in zip(a.scalars, b.scalars) { XCTAssertEqual(x, y, accuracy: accuracy, message, file: file, line: line) }
    }

    func load(_ module: Module, _ params: Any?) throws {
        var state: [String: Tensor] = [:]
        for p in params as! [[String: Any]] {
            state[p["name"] as! String] = Tensor(shape: (p["shape"] as! [NSNumber]).map(\.intValue),
                                                 scalars: (p["values"] as! [NSNumber]).map(\.floatValue))
        }
        XCTAssertEqual(Set(module.stateDict().map(\.key).filter { !$0.hasSuffix("num_batches_tracked") }), Set(state.keys))
        _ = try module.loadStateDict(state, strict: false)
    }

    func testSinkhornAgainstLightly() throws {
        let fx = Self.fixture["sinkhorn"] as! [String: Any]
        let scores = matrix(fx["scores"])
        scores.requiresGrad = true
        let q = try Sinkhorn.codes(scores)
        XCTAssertFalse(q.requiresGrad)
        assertClose(q, matrix(fx["q"]), "3 iterations, ε 0.05")
        assertClose(try Sinkhorn.codes(scores, iterations: 1, epsilon: 0.1), matrix(fx["q_1_iter_eps_0.1"]), "1 iteration, ε 0.1")
        // Each sample's codes sum to 1 (the last step normalises the samples).
        for r in 0..<6 { XCTAssertEqual(q.scalars[(r * 5)..<(r * 5 + 5)].reduce(0, +), 1, accuracy: 1e-5) }
        // Scores far beyond float's exp range still give codes (the maximum is subtracted first).
        let big = try Sinkhorn.codes(noGrad { scores.detached() * 100 })
        XCTAssertTrue(big.scalars.allSatisfy(\.isFinite))
        XCTAssertThrowsError(try Sinkhorn.codes(Tensor.zeros([3])))
        XCTAssertThrowsError(try Sinkhorn.codes(scores, epsilon: 0))
    }

    func checkLoss(_ key: String, _ loss: SwaVLoss, file: StaticString = #filePath, line: UInt = #line) throws {
        let fx = Self.fixture[key] as! [String: Any]
        let high = matrices(fx["high"]), low = matrices(fx["low"])
        for t in high + low { t.requiresGrad = true }
        let queue = fx["queue"].map { matrices($0) }
        let l = try loss(highResolution: high, lowResolution: low, queue: queue)
        XCTAssertEqual(l.item, (fx["loss"] as! NSNumber).floatValue, accuracy: 1e-5, key, file: file, line: line)
        try l.backward()
        for (t, g) in zip(high, matrices(fx["grad_high"])) { assertClose(t.grad, g, "\(key) high-resolution gradient", file: file, line: line) }
        for (t, g) in zip(low, matrices(fx["grad_low"])) { assertClose(t.grad, g, "\(key) low-resolution gradient", file: file, line: line) }
    }

    func testLossAgainstLightly() throws {
        try checkLoss("loss_2_high_2_low", SwaVLoss())
        try checkLoss("loss_2_high_2_low_queue", SwaVLoss())
        try checkLoss("loss_2_high", SwaVLoss())
        try checkLoss("loss_3_high_1_low_t0.2", SwaVLoss(temperature: 0.2, sinkhornIterations: 2, sinkhornEpsilon: 0.1))
        // The queue changes the codes, and so the loss.
        let fx = Self.fixture["loss_2_high_2_low_queue"] as! [String: Any]
        let without = try SwaVLoss()(highResolution: matrices(fx["high"]), lowResolution: matrices(fx["low"]))
        XCTAssertGreaterThan(Swift.abs(without.item - (fx["loss"] as! NSNumber).floatValue), 1e-3)
        // The flat list: the first two are the high-resolution crops.
        let flat = try SwaVLoss()(matrices(fx["high"]) + matrices(fx["low"]))
        XCTAssertEqual(flat.item, without.item, accuracy: 1e-6)
    }

    func testLossRefusesBadInput() throws {
        let loss = try SwaVLoss()
        let x = Tensor.zeros([4, 5])
        XCTAssertThrowsError(try loss(highResolution: [x], lowResolution: []))                     // one crop: nothing predicts
        XCTAssertThrowsError(try loss(highResolution: [], lowResolution: [x, x]))                  // no code
        XCTAssertThrowsError(try loss(highResolution: [x, Tensor.zeros([4, 6])], lowResolution: []))
        XCTAssertThrowsError(try loss(highResolution: [x, x], lowResolution: [], queue: [x]))      // one queue per high-res crop
        XCTAssertThrowsError(try SwaVLoss(temperature: 0))
    }

    func testProjectionHeadAgainstLightly() throws {
        var rng = RNG(seed: 5)
        try checkHead(ProjectionHead.swavProjection(inDim: 6, hiddenDim: 10, outDim: 8, rng: &rng),
                      against: Self.fixture["projection_head"] as! [String: Any], "projection_head")
    }

    func testPrototypesAgainstLightly() throws {
        let fx = Self.fixture["prototypes"] as! [String: Any]
        var rng = RNG(seed: 1)
        let protos = try SwaVPrototypes(inputDim: 8, prototypes: 7, frozenSteps: 2, rng: &rng)
        try load(protos, fx["raw_params"])
        protos.normalize()
        assertClose(protos.layer.weight, matrix(fx["normalized_weight"]), "normalize()")
        let r = matrix(fx["r"])
        for name in ["trained", "frozen"] {
            let c = fx[name] as! [String: Any]
            protos.layer.weight.grad = nil
            protos.layer.bias?.grad = nil
            let x = matrix(fx["x"])
            x.requiresGrad = true
            let y = try protos(x, step: (c["step"] as! NSNumber).intValue)
            assertClose(y, matrix(c["y"]), "\(name) forward")
            try (y * r).sum().backward()
            assertClose(x.grad, matrix(c["grad_x"]), "\(name) input gradient")
            if name == "frozen" {
                XCTAssertNil(protos.layer.weight.grad, "a frozen prototype gets no gradient")
                XCTAssertNil(protos.layer.bias?.grad)
            } else {
                assertClose(protos.layer.weight.grad, matrix(c["grad_weight"]), "weight gradient")
                let bias = (c["grad_bias"] as! [NSNumber]).map(\.floatValue)
                assertClose(protos.layer.bias?.grad, Tensor(shape: [7], scalars: bias), "bias gradient")
            }
        }
        XCTAssertThrowsError(try protos(matrix(fx["x"])), "frozen prototypes need the step")
        XCTAssertThrowsError(try SwaVPrototypes(inputDim: 8, prototypes: 0, rng: &rng))
    }

    /// Head → L2-normalise → prototypes → loss for 2 + 2 crops (batch-norm per crop), as Lightly's example.
    func testWholeStepAgainstLightly() throws {
        let fx = Self.fixture["step"] as! [String: Any]
        var rng = RNG(seed: 2)
        let head = ProjectionHead.swavProjection(inDim: 6, hiddenDim: 10, outDim: 8, rng: &rng)
        let protos = try SwaVPrototypes(inputDim: 8, prototypes: 7, rng: &rng)
        try load(head, fx["head_params"])
        try load(protos, fx["prototype_params"])
        head.train()
        protos.normalize()
        let logits = try matrices(fx["crops"]).map { try protos(try head($0).l2Normalized(axis: 1, eps: 1e-12)) }
        let l = try SwaVLoss()(highResolution: Array(logits.prefix(2)), lowResolution: Array(logits.dropFirst(2)))
        XCTAssertEqual(l.item, (fx["loss"] as! NSNumber).floatValue, accuracy: 1e-5)
        try l.backward()
        let firstLinear = try XCTUnwrap(head.namedParameters().first { $0.key == "layers.0.weight" }?.tensor)
        assertClose(firstLinear.grad, matrix(fx["grad_head_weight"]), "head gradient")
        assertClose(protos.layer.weight.grad, matrix(fx["grad_prototype_weight"]), "prototype gradient")
        let bias = (fx["grad_prototype_bias"] as! [NSNumber]).map(\.floatValue)
        assertClose(protos.layer.bias?.grad, Tensor(shape: [7], scalars: bias), "prototype bias gradient")
    }

    /// The registered loss, heads and view preset, and the config errors that name their key.
    func testRegisteredPartsAndConfigErrors() throws {
        let registry = Registry()
        try Builtins.register(in: registry)
        let ctx = BuildContext(registry: registry, seed: 0)
        let loss = try XCTUnwrap(try registry.makeLoss("swav", ConfigSection(path: "method", values: ["temperature": .float(0.2), "sinkhorn_iterations": .int(2), "sinkhorn_epsilon": .float(0.1)]), ctx) as? SwaVLoss)
        XCTAssertEqual(loss.temperature, 0.2)
        try checkLoss("loss_3_high_1_low_t0.2", loss)
        let head = try registry.makeHead("swav-projection", ConfigSection(path: "method.projection", values: ["hidden_dim": .int(32), "output_dim": .int(16)]), inputDim: 8, ctx)
        XCTAssertEqual(head.outputDim, 16)
        let protos = try XCTUnwrap(try registry.makeHead("swav-prototypes", ConfigSection(path: "method.prototypes", values: ["n_prototypes": .int(20), "n_steps_frozen_prototypes": .int(1)]), inputDim: 16, ctx) as? SwaVPrototypes)
        XCTAssertEqual(Set(protos.stateDict().map(\.key)), ["heads.0.weight", "heads.0.bias"])
        XCTAssertEqual(protos.outputDim, 20)
        XCTAssertTrue(protos.isFrozen(at: 0))
        XCTAssertFalse(protos.isFrozen(at: 1))
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message { try registry.makeHead("swav-prototypes", ConfigSection(path: "method.prototypes", values: ["n_prototypes": .int(0)]), inputDim: 16, ctx) }
            .contains("method.prototypes.n_prototypes"))
        XCTAssertTrue(message { try registry.makeLoss("swav", ConfigSection(path: "method", values: ["temperature": .float(0)]), ctx) }
            .contains("method.temperature"))

        let views = try XCTUnwrap(try registry.makeTransform("swav", ConfigSection(path: "views", values: ["global_crop_size": .int(32), "local_crop_size": .int(16), "local_views": .int(3)]), ctx) as? SwaVViews)
        XCTAssertEqual(views.global.scale.0, 0.14, accuracy: 1e-7)
        XCTAssertEqual(views.local.scale.1, 0.14, accuracy: 1e-7)
        XCTAssertEqual(views.global.brightness, 0.8, accuracy: 1e-7)
        XCTAssertEqual(views.global.blurProb, 0.5, accuracy: 1e-7)
        var rng = RNG(seed: 3)
        let image = try Image(width: 40, height: 40, pixels: (0..<(40 * 40 * 3)).map { UInt8($0 % 251) })
        let out = views(image, &rng)
        XCTAssertEqual(out.tensors.map(\.shape), [[3, 32, 32], [3, 32, 32], [3, 16, 16], [3, 16, 16], [3, 16, 16]])
        XCTAssertTrue(message { try registry.makeTransform("swav", ConfigSection(path: "views", values: ["local_views": .int(-1)]), ctx) }
            .contains("views.local_views"))
        XCTAssertTrue(message { try registry.makeTransform("swav", ConfigSection(path: "views", values: ["global_views": .int(0)]), ctx) }
            .contains("views.global_views"))
    }
}
