import XCTest
import Foundation
@testable import PretextTensor

final class SoftmaxLossTests: XCTestCase {
    func testSoftmaxValues() throws {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 1000, 1000, 1000])
        assertClose(try x.softmax().scalars, [0.090_030_57, 0.244_728_48, 0.665_240_94, 1.0 / 3, 1.0 / 3, 1.0 / 3])
        assertClose(try x.logSoftmax().scalars, [-2.407_606, -1.407_606, -0.407_606, -1.098_612_3, -1.098_612_3, -1.098_612_3])
        assertClose(try x.softmax(axis: 0).scalars, [0, 0, 0, 1, 1, 1])
        let n = try Tensor(shape: [2, 2], scalars: [3, 4, 0, 0]).l2Normalized(axis: 1)
        assertClose(n.scalars, [0.6, 0.8, 0, 0])
        let cs = try Tensor(shape: [2, 2], scalars: [1, 0, 1, 1]).cosineSimilarity(Tensor(shape: [2, 2], scalars: [0, 1, 2, 2]))
        assertClose(cs.scalars, [0, 1])
    }

    /// Long rows (the SIMD bodies and their tails), masked entries and a NaN, against Double sums.
    func testSoftmaxOnLongMaskedRowsMatchesDoubleReference() throws {
        let n = 197, rows = 3
        var xs = randomTensor([rows, n], seed: 56, scale: 8).scalars
        xs[5] = -.infinity; xs[n + 100] = -.infinity       // masked attention logits
        let y = try Tensor(shape: [rows, n], scalars: xs).softmax().scalars
        let ly = try Tensor(shape: [rows, n], scalars: xs).logSoftmax().scalars
        for r in 0..<rows {
            let row = xs[(r * n)..<(r * n + n)].map(Double.init)
            let m = row.max()!, z = row.reduce(0) { $0 + Foundation.exp($1 - m) }
            for j in 0..<n {
                let ref = Foundation.exp(row[j] - m) / z
                XCTAssertEqual(Double(y[r * n + j]), ref, accuracy: 3e-7 * ref + 1e-12, "softmax[\(r), \(j)]")
                if row[j].isFinite {
                    let lref = row[j] - m - Foundation.log(z)       // Float spacing near 40 is 3.8e-6
                    XCTAssertEqual(Double(ly[r * n + j]), lref, accuracy: 1e-6 + 1.2e-7 * abs(lref), "log_softmax[\(r), \(j)]")
                }
            }
        }
        XCTAssertEqual(y[5], 0)
        XCTAssertEqual(y[n + 100], 0)
        let withNaN = try Tensor(shape: [1, 4], scalars: [1, .nan, 2, 3]).softmax().scalars
        XCTAssertTrue(withNaN.allSatisfy(\.isNaN), "a NaN logit must not vanish: \(withNaN)")
    }

    func testCrossEntropyValues() throws {
        // logits [0, ln 3] → p = [1/4, 3/4]; CE(label 1) = −ln 0.75
        let logits = Tensor(shape: [1, 2], scalars: [0, 1.098_612_3])
        assertClose([try logits.crossEntropy(labels: [1]).item], [0.287_682_07])
        // smoothing 0.2 over C = 2: target [0.1, 0.9] → −(0.1 ln 0.25 + 0.9 ln 0.75)
        assertClose([try logits.crossEntropy(labels: [1], labelSmoothing: 0.2).item], [0.397_552_5])
        XCTAssertThrowsError(try logits.crossEntropy(labels: [2]))
        assertClose([try Tensor([1, 2]).mseLoss(Tensor([3, 2])).item], [2])
    }

    func testGradients() throws {
        let x = randomTensor([3, 5], seed: 51, scale: 2)
        try checkGradients([x]) { try $0[0].softmax() }
        try checkGradients([x]) { try $0[0].logSoftmax() }
        try checkGradients([randomTensor([2, 4, 3], seed: 52)]) { try $0[0].softmax(axis: 1) }
        try checkGradients([x]) { try $0[0].l2Normalized(axis: 1) }
        try checkGradients([x, randomTensor([3, 5], seed: 53)]) { try $0[0].cosineSimilarity($0[1], axis: 1) }
        try checkGradients([x]) { try $0[0].crossEntropy(labels: [4, 0, 2]) }
        try checkGradients([x]) { try $0[0].crossEntropy(labels: [4, 0, 2], labelSmoothing: 0.1) }
        let soft = try randomTensor([3, 5], seed: 54).softmax().detached()
        try checkGradients([x]) { try $0[0].crossEntropy(softTargets: soft) }
        try checkGradients([x, randomTensor([3, 5], seed: 55)]) { try $0[0].mseLoss($0[1]) }
    }

    func testDropoutKeepsExpectationAndIsSeeded() throws {
        var r1 = RNG(seed: 5), r2 = RNG(seed: 5)
        let x = Tensor.ones([10_000])
        let a = try x.dropout(p: 0.3, training: true, rng: &r1)
        let b = try x.dropout(p: 0.3, training: true, rng: &r2)
        XCTAssertEqual(a.scalars, b.scalars)
        let zeros = a.scalars.filter { $0 == 0 }.count
        XCTAssertEqual(Double(zeros) / 10_000, 0.3, accuracy: 0.02)
        XCTAssertEqual(try a.mean().item, 1, accuracy: 0.03)
        XCTAssertTrue(try x.dropout(p: 0.3, training: false, rng: &r1) === x)
        // gradient flows through kept elements, scaled by 1/(1-p)
        let y = Tensor.ones([8], requiresGrad: true)
        var r3 = RNG(seed: 9)
        let d = try y.dropout(p: 0.5, training: true, rng: &r3)
        try d.sum().backward()
        XCTAssertEqual(y.grad!.scalars, d.scalars)
    }
}
