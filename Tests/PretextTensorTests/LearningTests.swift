import XCTest
@testable import PretextTensor

/// End to end: a small convolutional network trained with plain SGD on a synthetic task must learn it.
final class LearningTests: XCTestCase {
    /// 8×8 single-channel images: class 0 has a bright horizontal bar, class 1 a vertical one, at random
    /// positions, with noise. Conv(1→8,3×3)+BN+ReLU → max-pool → conv(8→8) → ReLU → global pool → linear.
    func testSmallConvNetLearnsBars() throws {
        var rng = RNG(seed: 2024)
        func batch(_ n: Int) -> (Tensor, [Int]) {
            var labels: [Int] = []
            let x = Tensor(shape: [n, 1, 8, 8]) { b in
                for i in 0..<n {
                    let label = rng.int(below: 2)
                    labels.append(label)
                    let pos = rng.int(below: 6) + 1
                    for y in 0..<8 { for xx in 0..<8 {
                        let on = label == 0 ? (y == pos) : (xx == pos)
                        b[i * 64 + y * 8 + xx] = (on ? 1 : 0) + 0.3 * rng.normal()
                    } }
                }
            }
            return (x, labels)
        }
        let w1 = (Tensor.normal([8, 1, 3, 3], rng: &rng) * 0.5).requiringGrad()
        let g1 = Tensor.ones([8], requiresGrad: true), b1 = Tensor.zeros([8], requiresGrad: true)
        let w2 = (Tensor.normal([8, 8, 3, 3], rng: &rng) * 0.2).requiringGrad()
        let wl = (Tensor.normal([2, 8], rng: &rng) * 0.3).requiringGrad(), bl = Tensor.zeros([2], requiresGrad: true)
        let params = [w1, g1, b1, w2, wl, bl]
        let rm = Tensor.zeros([8]), rv = Tensor.ones([8])
        func forward(_ x: Tensor, training: Bool) throws -> Tensor {
            var h = try x.conv2d(weight: w1, padding: (1, 1))
            h = try h.batchNorm(weight: g1, bias: b1, runningMean: rm, runningVar: rv, training: training).relu()
            h = try h.maxPool2d(kernel: (2, 2))
            h = try h.conv2d(weight: w2, padding: (1, 1)).relu().adaptiveAvgPool2d((1, 1)).reshaped([x.shape[0], 8])
            return try h.linear(weight: wl, bias: bl)
        }
        var firstLoss: Float = 0, lastLoss: Float = 0
        for step in 0..<60 {
            let (x, y) = batch(32)
            let loss = try forward(x, training: true).crossEntropy(labels: y)
            if step == 0 { firstLoss = loss.item }
            lastLoss = loss.item
            try loss.backward()
            for p in params {
                let g = p.grad!
                for i in 0..<p.count { p.storage.pointer[i] -= 0.2 * g.storage.pointer[i] }
                p.zeroGrad()
            }
        }
        let (xt, yt) = batch(200)
        let pred = try noGrad { try forward(xt, training: false).argmax(axis: 1) }.scalars.map { Int($0) }
        let accuracy = Double(zip(pred, yt).filter { $0 == $1 }.count) / 200
        XCTAssertGreaterThan(firstLoss, 0.6)        // starts near chance (ln 2 = 0.69)
        XCTAssertLessThan(lastLoss, 0.2, "loss after 60 SGD steps")
        XCTAssertGreaterThan(accuracy, 0.95, "held-out accuracy")
    }
}
