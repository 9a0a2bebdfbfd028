import XCTest
@testable import PretextTensor

/// Central-finite-difference gradient check.
///
/// The scalar checked is L = Σ f(inputs) ⊙ W with a fixed random W, so every output element
/// contributes. Differences are taken in float32 with step h = 1e-2 on inputs of order 1: the
/// truncation error is O(h²·f‴) ≈ 1e-4 and the rounding error ≈ 1e-7·|L|/h ≈ 1e-5·|L|, so a
/// tolerance of 2e-3 + 2e-2·|g| separates right from wrong gradients (a wrong one is off by O(1)).
func checkGradients(_ inputs: [Tensor], h: Float = 1e-2, atol: Float = 2e-3, rtol: Float = 2e-2,
                    seed: UInt64 = 7, file: StaticString = #filePath, line: UInt = #line,
                    _ f: ([Tensor]) throws -> Tensor) throws {
    for x in inputs { x.requiresGrad = true; x.grad = nil }
    let probe = try noGrad { try f(inputs) }
    var rng = RNG(seed: seed)
    let w = Tensor.normal(probe.shape, rng: &rng)
    let loss = try (f(inputs) * w).sum()
    try loss.backward()
    func value() throws -> Double {
        try noGrad {
            let y = try f(inputs)
            var s = 0.0
            for (a, b) in zip(y.scalars, w.scalars) { s += Double(a) * Double(b) }
            return s
        }
    }
    for (k, x) in inputs.enumerated() {
        guard let g = x.grad else { XCTFail("input \(k) got no gradient", file: file, line: line); continue }
        XCTAssertEqual(g.shape, x.shape, "gradient shape of input \(k)", file: file, line: line)
        let p = x.storage.pointer
        for i in 0..<x.count {
            let old = p[i]
            p[i] = old + h
            let up = try value()
            p[i] = old - h
            let down = try value()
            p[i] = old
            let numeric = Float((up - down) / Double(2 * h))
            let analytic = g.storage.pointer[i]
            if Swift.abs(numeric - analytic) > atol + rtol * Swift.abs(numeric) {
                XCTFail("input \(k) element \(i): analytic \(analytic) vs numeric \(numeric)", file: file, line: line)
                return
            }
        }
    }
}

/// Asserts two float arrays agree within atol + rtol·|expected|.
func assertClose(_ actual: [Float], _ expected: [Float], atol: Float = 1e-5, rtol: Float = 1e-4,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "count \(message)", file: file, line: line)
    var worst: (Int, Float, Float)?
    for (i, (a, e)) in zip(actual, expected).enumerated() where !(Swift.abs(a - e) <= atol + rtol * Swift.abs(e)) {
        worst = (i, a, e)
        break
    }
    if let (i, a, e) = worst {
        XCTFail("\(message): element \(i) is \(a), expected \(e)", file: file, line: line)
    }
}

func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var rng = RNG(seed: seed)
    return Tensor.normal(shape, std: scale, rng: &rng)
}
