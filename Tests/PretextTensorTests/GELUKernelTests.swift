import XCTest
import Foundation
@testable import PretextTensor

/// The polynomial erf/exp behind GELU against glibc on dense grids, and GELU's derivative against the
/// closed form.
final class GELUKernelTests: XCTestCase {
    func testErfIsWithinOneTenMillionthOfGlibc() {
        var worst: Float = 0, at: Float = 0
        for i in -120_000...120_000 {
            let x = Float(i) / 20_000                       // −6 … 6, step 5e-5
            let e = abs(GELUKernels.erf(x) - Float(Foundation.erf(Double(x))))
            if e > worst { worst = e; at = x }
        }
        XCTAssertLessThan(worst, 1.2e-7, "worst at \(at)")
        XCTAssertEqual(GELUKernels.erf(0), 0)
        XCTAssertEqual(GELUKernels.erf(1e-8), 1.128_379_2e-8, accuracy: 1e-14)   // 2/√π · x near 0
        XCTAssertEqual(GELUKernels.erf(-50), -1)
        XCTAssertEqual(GELUKernels.erf(.infinity), 1)
    }

    func testExpOfNonPositiveArgumentsIsRelativelyExact() {
        for i in 0...100_000 {
            let y = -Double(i) / 1000                       // 0 … −100
            let e = GELUKernels.expNonPositive(y), ref = Foundation.exp(Swift.max(y, -80))
            XCTAssertEqual(e, ref, accuracy: ref * 1e-9, "exp(\(y))")
        }
        XCTAssertEqual(GELUKernels.expNonPositive(-1000), Foundation.exp(-80.0), accuracy: 1e-40)
    }

    func testGeluAndItsDerivativeMatchTheClosedFormOnAGrid() throws {
        let xs = (-4000...4000).map { Float($0) / 500 }      // −8 … 8
        let x = Tensor(shape: [xs.count], scalars: xs, requiresGrad: true)
        let y = x.gelu()
        try y.sum().backward()
        let grad = x.grad!.scalars
        for (i, v) in xs.enumerated() {
            let d = Double(v)
            let cdf = 0.5 * (1 + Foundation.erf(d / 2.0.squareRoot()))
            let pdf = Foundation.exp(-0.5 * d * d) / (2 * Double.pi).squareRoot()
            XCTAssertEqual(Double(y.scalars[i]), d * cdf, accuracy: 1e-6 + 1e-6 * abs(d * cdf), "gelu(\(v))")
            XCTAssertEqual(Double(grad[i]), cdf + d * pdf, accuracy: 1e-6, "gelu'(\(v))")
        }
    }
}
