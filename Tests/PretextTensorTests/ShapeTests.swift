import XCTest
@testable import PretextTensor

final class ShapeTests: XCTestCase {
    let t = Tensor(shape: [2, 3, 4]) { b in for i in 0..<24 { b[i] = Float(i) } }

    func testReshapeIsAView() throws {
        let r = try t.reshaped([6, -1])
        XCTAssertEqual(r.shape, [6, 4])
        XCTAssertTrue(r.storage === t.storage)
        XCTAssertThrowsError(try t.reshaped([5, 5]))
        XCTAssertEqual(try t.flattened(from: 1).shape, [2, 12])
        XCTAssertEqual(try t.unsqueezed(1).shape, [2, 1, 3, 4])
        XCTAssertEqual(try t.unsqueezed(1).squeezed(1).shape, [2, 3, 4])
    }

    func testPermuteTransposeExpandValues() throws {
        let p = try t.permuted([2, 0, 1])
        XCTAssertEqual(p.shape, [4, 2, 3])
        XCTAssertEqual(p[3, 1, 2], t[1, 2, 3])
        XCTAssertEqual(p[1, 0, 2], t[0, 2, 1])
        let tr = try t.transposed(0, 2)
        XCTAssertEqual(tr[3, 2, 1], t[1, 2, 3])
        let e = try Tensor(shape: [3, 1], scalars: [1, 2, 3]).expanded(to: [2, 3, 4])
        XCTAssertEqual(e[1, 2, 3], 3)
        XCTAssertEqual(e[0, 0, 1], 1)
    }

    func testNarrowCatStackIndexing() throws {
        let n = try t.narrowed(axis: 2, start: 1, length: 2)
        XCTAssertEqual(n.shape, [2, 3, 2])
        XCTAssertEqual(n[1, 2, 0], t[1, 2, 1])
        let c = try Tensor.cat([t, n], axis: 2)
        XCTAssertEqual(c.shape, [2, 3, 6])
        XCTAssertEqual(c[1, 1, 5], t[1, 1, 2])
        XCTAssertEqual(c[1, 1, 3], t[1, 1, 3])
        XCTAssertThrowsError(try Tensor.cat([t, n], axis: 1))
        let s = try Tensor.stack([t, t], axis: 1)
        XCTAssertEqual(s.shape, [2, 2, 3, 4])
        let sel = try t.indexSelect(axis: 1, indices: [2, 0, 2])
        XCTAssertEqual(sel.shape, [2, 3, 4])
        XCTAssertEqual(sel[1, 0, 3], t[1, 2, 3])
        XCTAssertEqual(sel[1, 1, 3], t[1, 0, 3])
        XCTAssertThrowsError(try t.indexSelect(axis: 1, indices: [3]))
        // gather tokens [B=2, T=3, D=4] by per-sample indices [[2, 0], [1, 1]]
        let idx = try Tensor(shape: [2, 2, 1], scalars: [2, 0, 1, 1]).expanded(to: [2, 2, 4])
        let g = try t.gather(axis: 1, index: idx)
        XCTAssertEqual(g.shape, [2, 2, 4])
        XCTAssertEqual(g[0, 0, 1], t[0, 2, 1])
        XCTAssertEqual(g[1, 1, 3], t[1, 1, 3])
        let sc = try Tensor.zeros([2, 3, 4]).scatterAdd(axis: 1, index: idx, source: Tensor.ones([2, 2, 4]))
        XCTAssertEqual(sc[1, 1, 0], 2)   // index 1 twice
        XCTAssertEqual(sc[0, 1, 0], 0)
        XCTAssertEqual(sc[0, 2, 0], 1)
    }

    func testGradients() throws {
        let a = randomTensor([2, 3, 4], seed: 31), b = randomTensor([2, 3, 2], seed: 32)
        try checkGradients([a]) { try $0[0].reshaped([4, 6]) }
        try checkGradients([a]) { try $0[0].permuted([1, 2, 0]) }
        try checkGradients([a]) { try $0[0].transposed(-1, -2) }
        try checkGradients([randomTensor([3, 1], seed: 33)]) { try $0[0].expanded(to: [2, 3, 4]) }
        try checkGradients([a]) { try $0[0].narrowed(axis: 1, start: 1, length: 2) }
        try checkGradients([a, b]) { try Tensor.cat([$0[0], $0[1]], axis: 2) }
        try checkGradients([a, a.copy()]) { try Tensor.stack([$0[0], $0[1]], axis: 0) }
        try checkGradients([a]) { try $0[0].indexSelect(axis: 2, indices: [3, 3, 0]) }
        let idx = try Tensor(shape: [2, 2, 1], scalars: [2, 0, 1, 1]).expanded(to: [2, 2, 4])
        try checkGradients([a]) { try $0[0].gather(axis: 1, index: idx) }
        try checkGradients([a, randomTensor([2, 2, 4], seed: 34)]) {
            try $0[0].scatterAdd(axis: 1, index: idx, source: $0[1])
        }
    }
}
