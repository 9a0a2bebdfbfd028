import XCTest
@testable import PretextTensor

/// Finite-difference gradient checks of the image ops (their values are checked against PyTorch in
/// TorchFixtureTests).
final class ConvPoolNormGradTests: XCTestCase {
    func testConv2dGradients() throws {
        for (xs, ws, stride, pad, dil, groups) in [
            ([2, 3, 6, 5], [4, 3, 3, 3], (1, 1), (1, 1), (1, 1), 1),
            ([1, 4, 7, 7], [6, 2, 3, 3], (2, 2), (0, 1), (1, 1), 2),
            ([1, 3, 7, 7], [3, 1, 3, 3], (1, 2), (2, 2), (2, 2), 3),
            ([2, 4, 3, 3], [5, 4, 1, 1], (1, 1), (0, 0), (1, 1), 1),
        ] as [([Int], [Int], (Int, Int), (Int, Int), (Int, Int), Int)] {
            let x = randomTensor(xs, seed: 61), w = randomTensor(ws, seed: 62, scale: 0.3), b = randomTensor([ws[0]], seed: 63)
            try checkGradients([x, w, b]) {
                try $0[0].conv2d(weight: $0[1], bias: $0[2], stride: stride, padding: pad, dilation: dil, groups: groups)
            }
        }
    }

    func testPoolGradients() throws {
        // Distinct values 0.05 apart so no max window holds a near-tie.
        var rng = RNG(seed: 64)
        let x = Tensor(shape: [2, 2, 6, 6], scalars: rng.permutation(144).map { Float($0) * 0.05 - 3.6 })
        try checkGradients([x]) { try $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        try checkGradients([x]) { try $0[0].maxPool2d(kernel: (2, 2)) }
        let y = randomTensor([2, 2, 7, 7], seed: 65)
        try checkGradients([y]) { try $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        try checkGradients([y]) { try $0[0].adaptiveAvgPool2d((3, 3)) }
        try checkGradients([y]) { try $0[0].adaptiveAvgPool2d((1, 1)) }
    }

    func testNormGradients() throws {
        let x = randomTensor([4, 3, 3, 3], seed: 66, scale: 2), w = randomTensor([3], seed: 67), b = randomTensor([3], seed: 68)
        try checkGradients([x, w, b]) {
            try $0[0].batchNorm(weight: $0[1], bias: $0[2], runningMean: nil, runningVar: nil, training: true)
        }
        let rm = randomTensor([3], seed: 69), rv = (randomTensor([3], seed: 70).abs() + 0.5).detached()
        try checkGradients([x, w, b]) {
            try $0[0].batchNorm(weight: $0[1], bias: $0[2], runningMean: rm, runningVar: rv, training: false)
        }
        let x2 = randomTensor([6, 4], seed: 71)
        try checkGradients([x2, randomTensor([4], seed: 72), randomTensor([4], seed: 73)]) {
            try $0[0].batchNorm(weight: $0[1], bias: $0[2], runningMean: nil, runningVar: nil, training: true)
        }
        let t = randomTensor([2, 3, 8], seed: 74, scale: 2)
        try checkGradients([t, randomTensor([8], seed: 75), randomTensor([8], seed: 76)]) {
            try $0[0].layerNorm(weight: $0[1], bias: $0[2], eps: 1e-5)
        }
        try checkGradients([t]) { try $0[0].layerNorm(weight: nil, bias: nil) }
    }

    func testBadShapesAreErrors() {
        let x = Tensor.zeros([1, 3, 5, 5])
        XCTAssertThrowsError(try x.conv2d(weight: Tensor.zeros([4, 2, 3, 3]))) { XCTAssertTrue("\($0)".contains("conv2d")) }
        XCTAssertThrowsError(try x.conv2d(weight: Tensor.zeros([4, 3, 7, 7])))
        XCTAssertThrowsError(try x.maxPool2d(kernel: (7, 7)))
        XCTAssertThrowsError(try Tensor.zeros([1, 3]).batchNorm(weight: nil, bias: nil, runningMean: nil, runningVar: nil, training: true))
        XCTAssertThrowsError(try x.layerNorm(weight: Tensor.ones([4]), bias: nil))
    }
}
