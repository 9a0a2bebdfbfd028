import XCTest
@testable import PretextTensor

final class MatmulTests: XCTestCase {
    func testValues() throws {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12])
        XCTAssertEqual(try a.matmul(b).scalars, [58, 64, 139, 154])
        XCTAssertEqual(try a.matmul(Tensor([1, 0, -1])).scalars, [-2, -2])
        XCTAssertEqual(try Tensor([1, 1]).matmul(a).scalars, [5, 7, 9])
        // linear: x·Wᵀ + b with W [out=2, in=3]
        let w = Tensor(shape: [2, 3], scalars: [1, 0, 0, 0, 1, 1])
        XCTAssertEqual(try a.linear(weight: w, bias: Tensor([10, 20])).scalars, [11, 25, 14, 31])
    }

    func testLargeMatmulMatchesNaive() throws {
        // Big enough to take the threaded path.
        let a = randomTensor([130, 70], seed: 41), b = randomTensor([70, 90], seed: 42)
        let c = try a.matmul(b)
        for (i, j) in [(0, 0), (129, 89), (64, 45), (77, 3)] {
            var s: Double = 0
            for k in 0..<70 { s += Double(a[i, k]) * Double(b[k, j]) }
            XCTAssertEqual(Double(c[i, j]), s, accuracy: 1e-4)
        }
        let wide = try randomTensor([3, 200], seed: 43).matmul(randomTensor([200, 700], seed: 44))
        XCTAssertEqual(wide.shape, [3, 700])
    }

    func testGradients() throws {
        try checkGradients([randomTensor([3, 4], seed: 1), randomTensor([4, 5], seed: 2)]) { try $0[0].matmul($0[1]) }
        try checkGradients([randomTensor([2, 3, 4], seed: 3), randomTensor([4, 2], seed: 4)]) { try $0[0].matmul($0[1]) }
        try checkGradients([randomTensor([2, 3, 4], seed: 5), randomTensor([2, 4, 2], seed: 6)]) { try $0[0].matmul($0[1]) }
        try checkGradients([randomTensor([2, 1, 3, 4], seed: 7), randomTensor([3, 4, 2], seed: 8)]) { try $0[0].matmul($0[1]) }
        try checkGradients([randomTensor([4], seed: 9), randomTensor([4, 3], seed: 10)]) { try $0[0].matmul($0[1]) }
        try checkGradients([randomTensor([2, 3, 5], seed: 11), randomTensor([4, 5], seed: 12), randomTensor([4], seed: 13)]) {
            try $0[0].linear(weight: $0[1], bias: $0[2])
        }
        try checkGradients([randomTensor([3, 5], seed: 14), randomTensor([4, 5], seed: 15)]) {
            try $0[0].linear(weight: $0[1], bias: nil)
        }
    }
}
