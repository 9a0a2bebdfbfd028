import XCTest
import PretextTensor
@testable import PretextNN
import PretextSelfDistillation

/// Heads against Lightly 1.6's heads with the same formula weights: keys, eval outputs, train-mode
/// outputs and running statistics, DINO's weight-normalised last layer and its gradients.
final class HeadTests: XCTestCase {
    func check(_ name: String, _ head: Module & Layer, file: StaticString = #filePath, line: UInt = #line) throws {
        let fx = Fixture.section("heads")[name] as! [String: Any]
        assertKeys(head, Fixture.keys(fx["keys"]), name, file: file, line: line)
        Formula.fill(head)
        let x = Formula.input(Fixture.ints(fx["input_shape"]))
        head.eval()
        let y = try noGrad { try head(x) }
        assertClose(y.scalars, Fixture.tensor(fx["output_eval"]).scalars, "\(name) eval output", file: file, line: line)
        if let train = fx["output_train"] {
            head.train()
            let yt = try noGrad { try head(x) }
            assertClose(yt.scalars, Fixture.tensor(train).scalars, "\(name) train output", file: file, line: line)
            let state = Dictionary(uniqueKeysWithValues: head.stateDict().map { ($0.key, $0.tensor) })
            for (k, v) in fx["state_after_train"] as! [String: Any] {
                assertClose(state[k]!.scalars, Fixture.tensor(v).scalars, rtol: 1e-5, "\(name) \(k) after a train step", file: file, line: line)
            }
        }
    }

    func testSimCLRHead() throws {
        var rng = RNG(seed: 1)
        let h = ProjectionHead.simclr(inDim: 16, hiddenDim: 32, outDim: 8, rng: &rng)
        XCTAssertNil((h.layers[0] as! Linear).bias)   // Lightly: no bias before BN, BN on the output too
        XCTAssertEqual(h.outputDim, 8)
        try check("simclr", h)
        try check("simclr_3layers", ProjectionHead.simclr(inDim: 16, hiddenDim: 32, outDim: 8, numLayers: 3, rng: &rng))
    }

    func testMoCoAndBYOLHeads() throws {
        var rng = RNG(seed: 2)
        try check("moco_v2", ProjectionHead.mocoV2(inDim: 16, hiddenDim: 32, outDim: 8, rng: &rng))
        try check("byol_projection", ProjectionHead.byolProjection(inDim: 16, hiddenDim: 32, outDim: 8, rng: &rng))
        try check("byol_prediction", ProjectionHead.byolPrediction(inDim: 8, hiddenDim: 32, outDim: 8, rng: &rng))
    }

    func testSimSiamHeads() throws {
        var rng = RNG(seed: 4)
        let projection = ProjectionHead.simsiamProjection(inDim: 16, hiddenDim: 32, outDim: 8, rng: &rng)
        XCTAssertNil((projection.layers.layers.last as? BatchNorm)?.weight)   // the output BN has no affine parameters
        try check("simsiam_projection", projection)
        try check("simsiam_prediction", ProjectionHead.simsiamPrediction(inDim: 8, hiddenDim: 4, outDim: 8, rng: &rng))
    }

    func testDINOHead() throws {
        var rng = RNG(seed: 3)
        let h = DINOHead(inputDim: 16, hiddenDim: 32, bottleneckDim: 8, outputDim: 20, rng: &rng)
        try check("dino", h)
        try check("dino_bn", DINOHead(inputDim: 16, hiddenDim: 32, bottleneckDim: 8, outputDim: 20, batchNorm: true, rng: &rng))
        // Gradients (weight_g frozen at 1 by norm_last_layer).
        let fx = Fixture.section("heads")["dino"] as! [String: Any]
        XCTAssertEqual(h.lastLayer.weightG.requiresGrad, fx["weight_g_requires_grad"] as? Bool)
        Formula.fill(h)
        h.eval()
        let y = try h(Formula.input([4, 16]))
        try (y * Formula.input(y.shape)).sum().backward()
        assertClose(h.lastLayer.weightV.grad!.scalars, Fixture.tensor(fx["grad_weight_v"]).scalars, "d/d weight_v")
        assertClose((h.layers[0] as! Linear).weight.grad!.scalars, Fixture.tensor(fx["grad_layers_0_weight"]).scalars, "d/d layers.0.weight")
        XCTAssertNil(h.lastLayer.weightG.grad)
        // Frozen last layer for the first epoch(s).
        h.freezeLastLayer = 1
        h.cancelLastLayerGradients(epoch: 0)
        XCTAssertNil(h.lastLayer.weightV.grad)
        XCTAssertNotNil((h.layers[0] as! Linear).weight.grad)
    }

    func testDINOHeadInitialisation() {
        var rng = RNG(seed: 4)
        let h = DINOHead(inputDim: 64, hiddenDim: 256, bottleneckDim: 32, outputDim: 100, rng: &rng)
        let w = (h.layers[0] as! Linear).weight.scalars
        let std = (w.map { $0 * $0 }.reduce(0, +) / Float(w.count)).squareRoot()
        XCTAssertEqual(std, 0.02, accuracy: 0.001)
        XCTAssertTrue((h.layers[0] as! Linear).bias!.scalars.allSatisfy { $0 == 0 })
        XCTAssertTrue(h.lastLayer.weightG.scalars.allSatisfy { $0 == 1 })
        XCTAssertEqual(h.stateDict().map(\.key), ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
                                                  "layers.4.weight", "layers.4.bias", "last_layer.weight_g", "last_layer.weight_v"])
    }

    func testLinearClassifier() throws {
        var rng = RNG(seed: 5)
        let c = LinearClassifier(inDim: 100, numClasses: 10, rng: &rng)
        XCTAssertEqual(c.stateDict().map(\.key), ["weight", "bias"])
        let bound = (6 / Float(110)).squareRoot()
        XCTAssertLessThanOrEqual(c.weight.scalars.map(abs).max()!, bound)
        XCTAssertGreaterThan(c.weight.scalars.map(abs).max()!, 0.9 * bound)
        XCTAssertTrue(c.bias.scalars.allSatisfy { $0 == 0 })
        XCTAssertEqual(try c(Tensor.ones([3, 100])).shape, [3, 10])
    }
}
