import XCTest
import PretextTensor
@testable import PretextNN

/// Layers: key discovery (Sequential numbering), batch-norm modes and buffers, dropout, initialisers.
final class LayerTests: XCTestCase {
    func testSequentialKeysAreNumberedLikeTorch() {
        var rng = RNG(seed: 1)
        let s = Sequential(Linear(4, 3, rng: &rng), BatchNorm(3), ReLU(), Linear(3, 2, bias: false, rng: &rng))
        XCTAssertEqual(s.stateDict().map(\.key), ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                                                  "1.num_batches_tracked", "3.weight"])
        XCTAssertEqual(s.namedParameters().map(\.key), ["0.weight", "0.bias", "1.weight", "1.bias", "3.weight"])
        XCTAssertEqual(s.namedBuffers().map(\.key), ["1.running_mean", "1.running_var", "1.num_batches_tracked"])
        XCTAssertEqual(s.stateDict().first { $0.key == "1.num_batches_tracked" }?.tensor.shape, [])
    }

    func testBatchNormTrainAndEval() throws {
        let bn = BatchNorm(2)
        let x = Tensor(shape: [4, 2], scalars: [1, 10, 2, 20, 3, 30, 4, 40])
        let y = try bn(x)
        // Batch statistics: column 0 mean 2.5, biased var 1.25.
        XCTAssertEqual(y[0, 0], (1 - 2.5) / (1.25 + 1e-5).squareRoot(), accuracy: 1e-5)
        XCTAssertEqual(bn.runningMean!.value.scalars[0], 0.25, accuracy: 1e-6)               // 0.9·0 + 0.1·2.5
        XCTAssertEqual(bn.runningVar!.value.scalars[0], 0.9 + 0.1 * 5 / 3, accuracy: 1e-6)   // unbiased 1.667
        XCTAssertEqual(bn.numBatchesTracked!.value.item, 1)
        bn.eval()
        let e = try bn(x)
        XCTAssertEqual(e[0, 0], (1 - 0.25) / (Float(0.9 + 0.1 * 5 / 3) + 1e-5).squareRoot(), accuracy: 1e-5)
        XCTAssertEqual(bn.numBatchesTracked!.value.item, 1)
        let noStats = BatchNorm(2, affine: false, trackRunningStats: false)
        XCTAssertTrue(noStats.stateDict().isEmpty)
        noStats.eval()
        XCTAssertEqual(try noStats(x)[0, 0], (1 - 2.5) / (1.25 + 1e-5).squareRoot(), accuracy: 1e-5)
    }

    func testDropoutIsSeededAndOffInEval() throws {
        var rng = RNG(seed: 2)
        let d1 = Dropout(p: 0.5, rng: &rng)
        var rng2 = RNG(seed: 2)
        let d2 = Dropout(p: 0.5, rng: &rng2)
        let x = Tensor.ones([1000])
        let a = try d1(x).scalars, b = try d2(x).scalars
        XCTAssertEqual(a, b)
        XCTAssertTrue(a.allSatisfy { $0 == 0 || $0 == 2 })
        XCTAssertEqual(Float(a.filter { $0 == 0 }.count) / 1000, 0.5, accuracy: 0.06)
        XCTAssertNotEqual(try d1(x).scalars, a)   // the stream advances
        d1.eval()
        XCTAssertTrue(try d1(x) === x)
    }

    func testInitialisers() {
        var rng = RNG(seed: 3)
        func stats(_ t: Tensor) -> (mean: Float, std: Float, maxAbs: Float) {
            let v = t.scalars, n = Float(v.count)
            let m = v.reduce(0, +) / n
            return (m, (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / n).squareRoot(), v.map(abs).max()!)
        }
        let w = Tensor.zeros([64, 32, 3, 3])    // fan_in 288, fan_out 576
        Init.kaimingNormal(w, mode: .fanOut, rng: &rng)
        XCTAssertEqual(stats(w).std, (2 / Float(576)).squareRoot(), accuracy: 0.0015)
        Init.kaimingNormal(w, mode: .fanIn, rng: &rng)
        XCTAssertEqual(stats(w).std, (2 / Float(288)).squareRoot(), accuracy: 0.002)
        let lin = Linear(200, 100, rng: &rng)
        let bound = 1 / Float(200).squareRoot()
        XCTAssertLessThanOrEqual(stats(lin.weight).maxAbs, bound)
        XCTAssertEqual(stats(lin.weight).std, bound / Float(3).squareRoot(), accuracy: 0.02 * bound)
        XCTAssertLessThanOrEqual(stats(lin.bias!).maxAbs, bound)
        let x = Tensor.zeros([100, 300])
        Init.xavierUniform(x, rng: &rng)
        XCTAssertLessThanOrEqual(stats(x).maxAbs, (6 / Float(400)).squareRoot())
        Init.truncNormal(x, std: 1, a: -0.5, b: 0.5, rng: &rng)
        XCTAssertLessThanOrEqual(stats(x).maxAbs, 0.5)
        XCTAssertEqual(stats(x).mean, 0, accuracy: 0.01)
        Init.lecunNormal(x, rng: &rng)
        XCTAssertEqual(stats(x).std, (1 / Float(300)).squareRoot(), accuracy: 0.003)
        XCTAssertEqual(Init.fans([8, 4, 3, 3]).fanIn, 36)
        XCTAssertEqual(Init.fans([8, 4, 3, 3]).fanOut, 72)
    }

    func testFreezeAndModes() throws {
        var rng = RNG(seed: 4)
        let net = ResNet(.resnet18, cifarStem: true, width: 0.125, rng: &rng)
        net.freeze(prefix: "layer1")
        XCTAssertFalse(net.layer1.namedParameters().contains { $0.tensor.requiresGrad })
        XCTAssertTrue(net.conv1.weight.requiresGrad)
        net.eval()
        XCTAssertFalse((net.layer2.layers[0] as! BasicBlock).bn1.isTraining)
    }

    func testAttentionShapesAndErrors() throws {
        var rng = RNG(seed: 5)
        let a = Attention(dim: 12, heads: 3, rng: &rng)
        XCTAssertEqual(a.stateDict().map(\.key), ["qkv.weight", "qkv.bias", "proj.weight", "proj.bias"])
        XCTAssertEqual(a.scale, 0.5)
        XCTAssertEqual(try a(Tensor.normal([2, 5, 12], rng: &rng)).shape, [2, 5, 12])
        XCTAssertThrowsError(try a(Tensor.zeros([2, 5, 10])))
    }
}
