import CKernels
import XCTest
import Foundation
@testable import PretextTensor

/// The polynomial erf and exp behind GELU and softmax against glibc on dense grids, and GELU's derivative against the
/// closed form.
final class GELUKernelTests: XCTestCase {
    func testErfIsWithinFiveTenMillionthsOfGlibc() {
        var worst: Float = 0, at: Float = 0
        for i in -120_000...120_000 {
            let x = Float(i) / 20_000                       // −6 … 6, step 5e-5
            let e = abs(GELUKernels.erf(x) - Float(Foundation.erf(Double(x))))
            if e > worst { worst = e; at = x }
        }
        XCTAssertLessThan(worst, 5e-7, "worst at \(at)")   // Float evaluation: 4.2e-7 near 3.3
        XCTAssertEqual(GELUKernels.erf(0), 0)
        XCTAssertEqual(GELUKernels.erf(1e-8), 1.128_379_2e-8, accuracy: 1e-14)   // 2/√π · x near 0
        XCTAssertEqual(GELUKernels.erf(-50), -1)
        XCTAssertEqual(GELUKernels.erf(.infinity), 1)
    }

    func testFloatExpIsWithinTwoUlpOfTheExactValue() {
        var worst = 0.0, at: Float = 0
        for i in -870_000...880_000 {
            let y = Float(i) / 10_000                      // −87 … 88, step 1e-4
            let ref = Foundation.exp(Double(y))
            let e = abs(Double(KernelMath.exp(y)) - ref) / ref
            if e > worst { worst = e; at = y }
        }
        XCTAssertLessThan(worst, 2.4e-7, "worst relative error at \(at)")   // 2 ulp = 2.4e-7
        XCTAssertEqual(KernelMath.exp(0), 1)
        XCTAssertEqual(KernelMath.exp(1), 2.718_281_8, accuracy: 3e-7)
        XCTAssertEqual(KernelMath.exp(-88.5), 0)
        XCTAssertEqual(KernelMath.exp(-.infinity), 0)                    // masked softmax entries
        XCTAssertTrue(KernelMath.exp(.nan).isNaN)                          // a NaN must reach the loss check
        XCTAssertGreaterThan(KernelMath.exp(.infinity), 1e38)
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

    /// The C kernels (whichever x86-64 level the loader picked for this CPU) equal the Swift loops bit
    /// for bit on a dense grid, the saturated tails, signed zeros, infinities and NaN.
    func testMultiversionedCKernelsEqualTheSwiftLoopsBitForBit() {
        var x: [Float] = stride(from: -12, through: 12, by: 1.0 / 4096).map { Float($0) }
        x += [0, -0.0, .infinity, -.infinity, .nan, 88, -88, 1e-30, -1e-30, .greatestFiniteMagnitude]
        let g = x.indices.map { Float(($0 % 7) - 3) * 0.37 }
        var fast = [Float](repeating: 0, count: x.count), slow = fast, fastG = fast, slowG = fast
        ActivationKernel.gelu.forward(x, &fast, count: x.count)
        GELUKernels.referenceForward(x, &slow, count: x.count)
        ActivationKernel.gelu.backward(x, g, &fastG, count: x.count)
        GELUKernels.referenceBackward(x, g, &slowG, count: x.count)
        var forwardMismatches = 0, backwardMismatches = 0
        for i in x.indices {
            if fast[i].bitPattern != slow[i].bitPattern && !(fast[i].isNaN && slow[i].isNaN) { forwardMismatches += 1 }
            if fastG[i].bitPattern != slowG[i].bitPattern && !(fastG[i].isNaN && slowG[i].isNaN) { backwardMismatches += 1 }
        }
        XCTAssertEqual(forwardMismatches, 0, "GELU forward, C (\(String(cString: pretext_ckernels_level()))) vs Swift")
        XCTAssertEqual(backwardMismatches, 0, "GELU backward, C (\(String(cString: pretext_ckernels_level()))) vs Swift")
    }
}
