import XCTest
@testable import PretextTensor

/// `Tensor.leafGradientReady`, the hook data-parallel training starts its gradient all-reduce from:
/// each leaf once per backward, after every op that uses it, with the gradient it ends with.
final class LeafGradientReadyTests: XCTestCase {
    func testEachLeafIsReportedOnceWithItsFinalGradient() throws {
        let a = Tensor(shape: [3], scalars: [1, 2, 3], requiresGrad: true)
        let b = Tensor(shape: [3], scalars: [4, -5, 6], requiresGrad: true)
        let c = Tensor(shape: [3], scalars: [0.5, 0.5, 0.5], requiresGrad: true)
        let unused = Tensor(shape: [3], scalars: [1, 1, 1], requiresGrad: true)
        // a feeds three ops, at the start and at the end of the graph; c only the last one.
        let h = try (a * b).tanh() + a
        let y = try (h * a).sum() + (h * c).sum()
        var reported: [(id: ObjectIdentifier, grad: [Float])] = []
        Tensor.leafGradientReady = { t in reported.append((ObjectIdentifier(t), t.grad!.scalars)) }
        defer { Tensor.leafGradientReady = nil }
        try y.backward()
        XCTAssertEqual(reported.count, 3, "a, b and c once each; the unused leaf never")
        XCTAssertEqual(Set(reported.map(\.id)), Set([a, b, c].map(ObjectIdentifier.init)))
        XCTAssertFalse(reported.contains { $0.id == ObjectIdentifier(unused) })
        for leaf in [a, b, c] {
            let r = try XCTUnwrap(reported.first { $0.id == ObjectIdentifier(leaf) })
            XCTAssertEqual(r.grad, leaf.grad!.scalars, "the gradient at the report is the final one")
        }
        // The value itself: dy/da = h + a·dh/da + c·dh/da with dh/da = b·(1 − tanh²(ab)) + 1.
        for i in 0..<3 {
            let av = a.scalars[i], bv = b.scalars[i], cv = c.scalars[i]
            let t = Foundation.tanh(av * bv), dh = bv * (1 - t * t) + 1
            XCTAssertEqual(a.grad!.scalars[i], (t + av) + av * dh + cv * dh, accuracy: 1e-4)
        }
    }

    /// With gradients accumulated over two backward calls, the second report carries the sum.
    func testAReportAfterAccumulationCarriesTheSum() throws {
        let w = Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        try (w * 3).sum().backward()
        var last: [Float] = []
        Tensor.leafGradientReady = { t in last = t.grad!.scalars }
        defer { Tensor.leafGradientReady = nil }
        try (w * w).sum().backward()
        XCTAssertEqual(last, [3 + 2, 3 + 4])
    }
}
