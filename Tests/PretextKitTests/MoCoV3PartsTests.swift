import Foundation
import XCTest
@testable import PretextKit
import PretextCore
import PretextNN
import PretextTensor

/// MoCo v3's parts (`Tests/Fixtures/kit/mocov3.json`, made by `Tests/Fixtures/make_mocov3_fixture.py` with
/// Lightly 1.6 + PyTorch): the projection and prediction heads (names, shapes, training-mode outputs and
/// gradients; the affine-output variant against Lightly's `MoCoProjectionHead(num_layers=3,
/// batch_norm=True)`), the loss (the official moco-v3 `ctr` loss, both directions, values and gradients),
/// their registry entries, and the frozen random patch projection.
final class MoCoV3PartsTests: XCTestCase {
    static let fixture = KitFixture.load("mocov3")

    func matrix(_ v: Any?) -> Tensor { KitFixture.matrix(v) }

    func assertClose(_ a: [Float], _ b: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5, what, file: file, line: line) }
    }

    /// Forward as `checkHead`, then the gradients of sum(y · upstream) for the input and every parameter.
    func checkHeadAndGradients(_ head: ProjectionHead, _ key: String) throws {
        let fx = Self.fixture[key] as! [String: Any]
        try checkHead(head, against: fx, key)
        let x = matrix(fx["x"])
        x.requiresGrad = true
        head.train()
        try (head(x) * matrix(fx["upstream"])).sum().backward()
        assertClose(x.grad!.scalars, matrix(fx["grad_x"]).scalars, "\(key) grad_x")
        let expected = fx["param_grads"] as! [String: [NSNumber]]
        let params = head.namedParameters()
        XCTAssertEqual(Set(params.map(\.key)), Set(expected.keys), key)
        for (name, p) in params {
            let reference = try XCTUnwrap(expected[name], "\(key): Lightly's head has no parameter \(name)")
            assertClose(try XCTUnwrap(p.grad, "\(key) \(name)").scalars, reference.map(\.floatValue), "\(key) grad \(name)")
        }
    }

    func testHeadsAgainstLightlyAndTheOfficialMLP() throws {
        var rng = RNG(seed: 5)
        try checkHeadAndGradients(.mocoV3Projection(inDim: 6, hiddenDim: 10, outDim: 8, rng: &rng), "projection_head")
        try checkHeadAndGradients(.mocoV3Prediction(inDim: 8, hiddenDim: 10, outDim: 8, rng: &rng), "prediction_head")
        try checkHeadAndGradients(.mocoV3Projection(inDim: 6, hiddenDim: 10, outDim: 8, affineOutput: true, rng: &rng), "projection_head_affine")
    }

    /// The registered heads: the paper's sizes by default, every Linear without bias, the output BN
    /// without γ/β; `num_layers` and `affine_output` as keys.
    func testRegisteredHeads() throws {
        let registry = Registry()
        try Builtins.register(in: registry)
        let ctx = BuildContext(registry: registry, seed: 0)
        let projection = try registry.makeHead("mocov3-projection", ConfigSection(path: "method.projection"), inputDim: 192, ctx)
        XCTAssertEqual(projection.outputDim, 256)
        let shapes = Dictionary(uniqueKeysWithValues: projection.namedParameters().map { ($0.key, $0.tensor.shape) })
        XCTAssertEqual(shapes, ["layers.0.weight": [4096, 192], "layers.1.weight": [4096], "layers.1.bias": [4096],
                                "layers.3.weight": [4096, 4096], "layers.4.weight": [4096], "layers.4.bias": [4096],
                                "layers.6.weight": [256, 4096]])
        let prediction = try registry.makeHead("mocov3-prediction", ConfigSection(path: "method.prediction"), inputDim: 256, ctx)
        XCTAssertEqual(Set(prediction.namedParameters().map(\.key)), ["layers.0.weight", "layers.1.weight", "layers.1.bias", "layers.3.weight"])
        XCTAssertEqual(prediction.outputDim, 256)
        let resnetStyle = try registry.makeHead("mocov3-projection", ConfigSection(path: "method.projection", values: [
            "num_layers": .int(2), "hidden_dim": .int(16), "output_dim": .int(8), "affine_output": .bool(true)]), inputDim: 4, ctx)
        XCTAssertEqual(Set(resnetStyle.namedParameters().map(\.key)), ["layers.0.weight", "layers.1.weight", "layers.1.bias", "layers.3.weight",
                                                                      "layers.4.weight", "layers.4.bias"])
        XCTAssertThrowsError(try registry.makeHead("mocov3-prediction", ConfigSection(path: "method.prediction", values: ["hidden_dim": .int(0)]),
                                                   inputDim: 256, ctx)) { XCTAssertTrue("\($0)".contains("method.prediction.hidden_dim"), "\($0)") }
    }

    func testLossAgainstTheOfficialCtrLoss() throws {
        for c in Self.fixture["loss"] as! [[String: Any]] {
            let t = (c["temperature"] as! NSNumber).floatValue
            let (q1, q2, k1, k2) = (matrix(c["q1"]), matrix(c["q2"]), matrix(c["k1"]), matrix(c["k2"]))
            for v in [q1, q2, k1, k2] { v.requiresGrad = true }
            let loss = MoCoV3Loss(temperature: t)
            let one = try loss([q1, k2])
            XCTAssertEqual(Double(one.item), (c["ctr_q1_k2"] as! NSNumber).doubleValue, accuracy: 1e-5, "τ \(t)")
            let total = try one + loss([q2, k1])
            XCTAssertEqual(Double(total.item), (c["loss"] as! NSNumber).doubleValue, accuracy: 1e-5, "τ \(t)")
            try total.backward()
            for (v, key) in [(q1, "grad_q1"), (q2, "grad_q2"), (k1, "grad_k1"), (k2, "grad_k2")] {
                assertClose(v.grad!.scalars, matrix(c[key]).scalars, "τ \(t) \(key)")
            }
            // Not Lightly's NTXentLoss(memory_bank_size=0) (2B-way, same-view negatives): the fixture separates them.
            XCTAssertGreaterThan(abs((c["lightly_ntxent_q1_k2"] as! NSNumber).doubleValue - Double(one.item) / Double(2 * t)), 0.1)
        }
    }

    func testRegisteredLossAndErrors() throws {
        let registry = Registry()
        try Builtins.register(in: registry)
        let ctx = BuildContext(registry: registry, seed: 0)
        let c = (Self.fixture["loss"] as! [[String: Any]])[0]
        let byDefault = try registry.makeLoss("mocov3", ConfigSection(path: "method"), ctx)
        XCTAssertEqual((byDefault as? MoCoV3Loss)?.temperature, 0.2, "the paper's ViT temperature")
        XCTAssertEqual(Double(try byDefault([matrix(c["q1"]), matrix(c["k2"])]).item), (c["ctr_q1_k2"] as! NSNumber).doubleValue, accuracy: 1e-5)
        XCTAssertThrowsError(try registry.makeLoss("mocov3", ConfigSection(path: "method", values: ["temperature": .double(0)]), ctx)) {
            XCTAssertTrue("\($0)".contains("method.temperature"), "\($0)")
        }
        XCTAssertThrowsError(try MoCoV3Loss()([Tensor.zeros([4, 3]), Tensor.zeros([3, 3])]))
    }

    /// `method.freeze_patch_embed` (MoCo v3's frozen random patch projection): two AdamW steps with
    /// weight decay, every parameter handed to the optimizer — the patch projection stays bit-identical
    /// and gets no gradient, every other parameter moves; off, it trains too; a ResNet has none to freeze.
    func testFrozenPatchProjectionStaysBitIdenticalWhileTheRestTrains() throws {
        let registry = Registry()
        try Builtins.register(in: registry)
        func builder(_ values: [String: ConfigValue], backbone: String = "vit-t") -> MethodBuilder {
            MethodBuilder(config: ConfigSection(path: "method", values: values),
                          backboneConfig: ConfigSection(path: "backbone", values: backbone == "vit-t" ? ["patch_size": .int(4), "image_size": .int(8)] : [:]),
                          viewsConfig: ConfigSection(path: "views"), backboneName: backbone, epochs: 1,
                          context: BuildContext(registry: registry, seed: 0))
        }
        for freeze in [true, false] {
            let b = builder(freeze ? [:] : ["freeze_patch_embed": .bool(false)])
            let vit = try b.makeBackbone()
            let frozen = try b.freezePatchEmbedding(of: vit, default: true)
            XCTAssertEqual(Set(frozen), freeze ? ["patch_embed.proj.weight", "patch_embed.proj.bias"] : [])
            let before = Dictionary(uniqueKeysWithValues: vit.namedParameters().map { ($0.key, $0.tensor.scalars) })
            let optimizer = try AdamW(groups: [ParameterGroup(name: "all", parameters: vit.namedParameters())], weightDecay: 0.1)
            var rng = RNG(seed: 3)
            for _ in 0..<2 {
                let y = try vit(Tensor.normal([4, 3, 8, 8], rng: &rng))
                try (y * y).sum().backward()
                for (key, t) in vit.namedParameters() where key.hasPrefix("patch_embed.") {
                    XCTAssertEqual(t.grad == nil, freeze, "\(key): gradient only when trained")
                }
                try optimizer.step(learningRate: 1e-2)
                optimizer.zeroGrad()
            }
            for (key, t) in vit.namedParameters() {
                if freeze && key.hasPrefix("patch_embed.") {
                    XCTAssertEqual(t.scalars, before[key], "\(key) must stay bit-identical")
                } else {
                    XCTAssertNotEqual(t.scalars, before[key], "\(key) (freeze \(freeze)) must train")
                }
            }
        }
        let resnet = builder([:], backbone: "resnet18")
        XCTAssertEqual(try resnet.freezePatchEmbedding(of: try resnet.makeBackbone(), default: true), [])
        XCTAssertThrowsError(try builder(["freeze_patch_embed": .string("yes")]).freezePatchEmbedding(of: try resnet.makeBackbone(), default: true)) {
            XCTAssertTrue("\($0)".contains("method.freeze_patch_embed"), "\($0)")
        }
    }
}
