import XCTest
@testable import PretextTensor

final class ReductionTests: XCTestCase {
    let x = Tensor(shape: [2, 3], scalars: [1, 5, 3, 4, 2, 6])

    func testForwardValues() throws {
        XCTAssertEqual(try x.sum().item, 21)
        XCTAssertEqual(try x.sum(axes: [0]).scalars, [5, 7, 9])
        XCTAssertEqual(try x.sum(axes: [1], keepDims: true).shape, [2, 1])
        XCTAssertEqual(try x.sum(axes: [-1]).scalars, [9, 12])
        XCTAssertEqual(try x.mean(axes: [1]).scalars, [3, 4])
        XCTAssertEqual(try x.max(axes: [1]).scalars, [5, 6])
        XCTAssertEqual(try x.min(axes: [0]).scalars, [1, 2, 3])
        XCTAssertEqual(try x.argmax(axis: 1).scalars, [1, 2])
        XCTAssertEqual(try x.argmax(axis: 0).scalars, [1, 0, 1])
        // unbiased variance of [1,5,3] = 4, of [4,2,6] = 4; biased = 8/3
        assertClose(try x.variance(axes: [1]).scalars, [4, 4])
        assertClose(try x.variance(axes: [1], correction: 0).scalars, [8.0 / 3, 8.0 / 3])
        // logsumexp([1,5,3]) = 5 + log(1 + e^-4 + e^-2) = 5.142932
        assertClose(try x.logSumExp(axes: [1]).scalars, [5.142_932, 6.142_932], atol: 1e-5)
        // logsumexp stays finite where exp would overflow
        assertClose(try Tensor([1000, 1000]).logSumExp(axes: [0]).scalars, [1000.693_15], rtol: 1e-6)
    }

    func testNonContiguousAxesAndLongRows() throws {
        let t = Tensor(shape: [2, 3, 4]) { b in for i in 0..<24 { b[i] = Float(i) } }
        XCTAssertEqual(try t.sum(axes: [0, 2]).scalars, [60, 92, 124])
        XCTAssertEqual(try t.max(axes: [0, 2]).scalars, [15, 19, 23])
        let long = Tensor.ones([1_000_000])
        XCTAssertEqual(try long.sum().item, 1_000_000)
        XCTAssertEqual(try long.mean().item, 1)
    }

    func testGradients() throws {
        let a = randomTensor([3, 4, 2], seed: 21)
        try checkGradients([a]) { try $0[0].sum() }
        try checkGradients([a]) { try $0[0].sum(axes: [0, 2], keepDims: true) }
        try checkGradients([a]) { try $0[0].mean(axes: [1]) }
        try checkGradients([a]) { try $0[0].variance(axes: [1]) }
        try checkGradients([a]) { try $0[0].variance(axes: [0, 2], correction: 0) }
        // max/min: distinct values at least 0.1 apart, so the difference step never crosses a tie.
        var rng = RNG(seed: 22)
        let distinct = Tensor(shape: [3, 4, 2], scalars: rng.permutation(24).map { Float($0) * 0.1 - 1.2 })
        try checkGradients([distinct]) { try $0[0].max(axes: [1]) }
        try checkGradients([distinct]) { try $0[0].min(axes: [0, 2]) }
        try checkGradients([a]) { try $0[0].logSumExp(axes: [2]) }
        try checkGradients([a]) { try $0[0].logSumExp(axes: [0, 1], keepDims: true) }
    }

    func testBadAxisIsAnError() {
        XCTAssertThrowsError(try x.sum(axes: [2])) { XCTAssertTrue("\($0)".contains("axis 2")) }
    }
}
