import XCTest
@testable import PretextTensor

final class ElementwiseTests: XCTestCase {
    func testBroadcastForwardValues() throws {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3], scalars: [10, 20, 30])
        XCTAssertEqual(try (a + b).scalars, [11, 22, 33, 14, 25, 36])
        let c = Tensor(shape: [2, 1], scalars: [2, 3])
        XCTAssertEqual(try (a * c).scalars, [2, 4, 6, 12, 15, 18])
        XCTAssertEqual(try (a - c).shape, [2, 3])
        XCTAssertEqual(try (b / Tensor(scalar: 10)).scalars, [1, 2, 3])
        // [2,1,3] with [4,1] → [2,4,3]
        let d = try Tensor(shape: [2, 1, 3], scalars: [1, 2, 3, 4, 5, 6]) + Tensor(shape: [4, 1], scalars: [0, 10, 20, 30])
        XCTAssertEqual(d.shape, [2, 4, 3])
        XCTAssertEqual(d[1, 2, 0], 24)
        XCTAssertEqual(d[0, 3, 2], 33)
    }

    func testShapeMismatchIsAnErrorNamingBothShapesAndTheOp() {
        let a = Tensor.zeros([2, 3]), b = Tensor.zeros([4])
        XCTAssertThrowsError(try a + b) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("add") && text.contains("[2, 3]") && text.contains("[4]"), text)
        }
        XCTAssertThrowsError(try Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]))) { error in
            XCTAssertTrue("\(error)".contains("matmul"))
        }
    }

    func testBinaryGradientsWithBroadcasting() throws {
        for (sa, sb) in [([3, 4], [3, 4]), ([2, 3, 4], [4]), ([2, 1, 4], [3, 1]), ([3, 4], [1])] {
            let a = randomTensor(sa, seed: 1), b = randomTensor(sb, seed: 2)
            try checkGradients([a, b]) { try $0[0] + $0[1] }
            try checkGradients([a, b]) { try $0[0] - $0[1] }
            try checkGradients([a, b]) { try $0[0] * $0[1] }
            let bPos = try b.abs() + Tensor(scalar: 1)   // keep the divisor away from 0
            try checkGradients([a, bPos.detached()]) { try $0[0] / $0[1] }
        }
        // maximum/minimum have a kink where a == b: use values on two interleaved grids (a on multiples
        // of 0.5, b offset by 0.25) so no pair is within the difference step of a tie.
        for (sa, sb) in [([3, 4], [3, 4]), ([2, 1, 4], [3, 1])] {
            let na = sa.reduce(1, *), nb = sb.reduce(1, *)
            var rng = RNG(seed: 3)
            let a = Tensor(shape: sa, scalars: rng.permutation(na).map { Float($0) * 0.5 - 1 })
            let b = Tensor(shape: sb, scalars: rng.permutation(nb).map { Float($0) * 0.5 - 0.75 })
            try checkGradients([a, b]) { try $0[0].maximum($0[1]) }
            try checkGradients([a, b]) { try $0[0].minimum($0[1]) }
        }
        // Ties split the gradient evenly, as PyTorch.
        let t = Tensor([1, 2], requiresGrad: true), u = Tensor([1, 3], requiresGrad: true)
        try t.maximum(u).sum().backward()
        XCTAssertEqual(t.grad?.scalars, [0.5, 0])
        XCTAssertEqual(u.grad?.scalars, [0.5, 1])
    }

    func testScalarFormsAndNegation() throws {
        let a = randomTensor([3, 2], seed: 3)
        try checkGradients([a]) { (($0[0] * 3) + 1) - 2 }
        try checkGradients([a]) { -$0[0] / 4 }
        let pos = (a.abs() + 0.5).detached()
        try checkGradients([pos]) { 2 / $0[0] }
        XCTAssertEqual((2 / Tensor([4, 8])).scalars, [0.5, 0.25])
    }

    func testUnaryForwardValues() {
        let x = Tensor([-2, -0.5, 0, 0.5, 2])
        assertClose(x.relu().scalars, [0, 0, 0, 0.5, 2])
        assertClose(x.abs().scalars, [2, 0.5, 0, 0.5, 2])
        assertClose(x.exp().scalars, [0.135_335_28, 0.606_530_66, 1, 1.648_721_3, 7.389_056])
        assertClose(x.sigmoid().scalars, [0.119_202_92, 0.377_540_67, 0.5, 0.622_459_3, 0.880_797_1])
        assertClose(x.tanh().scalars, [-0.964_027_6, -0.462_117_16, 0, 0.462_117_16, 0.964_027_6])
        assertClose(x.clamp(min: -1, max: 1).scalars, [-1, -0.5, 0, 0.5, 1])
        // GELU(x) = x Φ(x): Φ(2) = 0.977249868, Φ(0.5) = 0.691462461
        assertClose(x.gelu().scalars, [-0.045_500_26, -0.154_268_77, 0, 0.345_731_23, 1.954_499_7])
        assertClose(x.gelu(approximate: true).scalars, [-0.045_402_3, -0.154_285_99, 0, 0.345_714, 1.954_597_7])
        let p = Tensor([1, 4, 9])
        assertClose(p.sqrt().scalars, [1, 2, 3])
        assertClose(p.log().scalars, [0, 1.386_294_4, 2.197_224_6])
        assertClose(p.pow(1.5).scalars, [1, 8, 27])
    }

    /// ReLU's C kernels over a tensor large enough to be split across threads (every chunk boundary
    /// must be covered), and its backward as PyTorch's threshold_backward: the gradient passes only
    /// where x > 0, so a non-finite upstream gradient where x <= 0 gives 0, not NaN (0 * inf).
    func testReLUKernelsLargeTensorAndThresholdBackward() throws {
        let n = 300_001
        let x = Tensor(shape: [n], scalars: (0..<n).map { Float(($0 * 7919) % 2001) - 1000 }, requiresGrad: true)
        let y = x.relu()
        XCTAssertEqual(y.scalars, x.scalars.map { $0 > 0 ? $0 : 0 })
        let g = Tensor(shape: [n], scalars: (0..<n).map { Float($0 % 13) - 6 })
        try y.backward(g)
        let expected = zip(x.scalars, g.scalars).map { $0 > 0 ? $1 : 0 }
        XCTAssertEqual(try XCTUnwrap(x.grad).scalars, expected)

        let small = Tensor([-1, 0, 2], requiresGrad: true)
        try small.relu().backward(Tensor([.infinity, .nan, 3]))
        XCTAssertEqual(try XCTUnwrap(small.grad).scalars, [0, 0, 3])
        XCTAssertEqual(Tensor([.nan, -0.0, 1]).relu().scalars.map { $0.bitPattern }, [Float(0), 0, 1].map { $0.bitPattern })
    }

    func testUnaryGradients() throws {
        let x = randomTensor([4, 3], seed: 11)
        let pos = (x.abs() + 0.5).detached()
        try checkGradients([x]) { $0[0].exp() }
        try checkGradients([pos]) { $0[0].log() }
        try checkGradients([pos]) { $0[0].sqrt() }
        try checkGradients([pos]) { $0[0].pow(2.5) }
        try checkGradients([x]) { $0[0].pow(2) }
        try checkGradients([x]) { $0[0].sigmoid() }
        try checkGradients([x]) { $0[0].tanh() }
        try checkGradients([x]) { $0[0].gelu() }
        try checkGradients([x]) { $0[0].gelu(approximate: true) }
        // Kinks: keep every element at least h away from 0 (relu, abs) and from ±0.7 (clamp).
        let away = Tensor(shape: [4, 3], scalars: x.scalars.map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 })
        try checkGradients([away]) { $0[0].relu() }
        try checkGradients([away]) { $0[0].abs() }
        let clampSafe = Tensor([-1.5, -0.3, 0.2, 0.5, 1.2, 2])
        try checkGradients([clampSafe]) { $0[0].clamp(min: -0.7, max: 0.7) }
    }

    func testGradientAccumulatesAcrossBackwardCallsAndDetachStopsIt() throws {
        let x = Tensor([1, 2, 3], requiresGrad: true)
        try (x * x).sum().backward()
        try (x * 3).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [5, 7, 9])     // 2x + 3
        x.zeroGrad()
        try (x.detached() * x).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [1, 2, 3])     // only the non-detached factor
        let y = try noGrad { try x * x }
        XCTAssertFalse(y.requiresGrad)
    }

    func testBackwardTwiceThroughFreedGraphIsAnError() throws {
        let x = Tensor([1, 2], requiresGrad: true)
        let y = try (x * x).sum()
        try y.backward()
        XCTAssertThrowsError(try y.backward())
        let z = try (x * x).sum()
        try z.backward(retainGraph: true)
        XCTAssertNoThrow(try z.backward())
    }

    func testSharedSubexpressionSumsGradients() throws {
        let x = Tensor([0.5, -1], requiresGrad: true)
        let y = x.exp()
        let loss = try (y * y + y).sum()   // d/dx = 2e^{2x} + e^x
        try loss.backward()
        let expected = x.scalars.map { 2 * Foundation.exp(2 * $0) + Foundation.exp($0) }
        assertClose(x.grad!.scalars, expected)
    }
}

import Foundation
