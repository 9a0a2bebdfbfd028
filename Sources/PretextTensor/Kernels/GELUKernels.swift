/// The exact (erf) GELU and its derivative as branch-free loops the compiler vectorises.
///
/// GELU(x) = x·Φ(x) with Φ(x) = ½(1 + erf(x/√2)); GELU'(x) = Φ(x) + x·φ(x), φ the normal density.
/// glibc's scalar `erff`/`expf` took 14 % of a ViT-S step (one call per element, twice: forward and
/// backward); these evaluate the same functions with polynomials: erf as a rational function in Float,
/// within 5e-7 of the exact value (the test checks it against glibc on a dense grid; an evaluation in
/// Double was within 1.2e-7 but its 4-wide division made GELU forward + backward ~4 % of an MAE
/// ViT-S step, the Float one ~2 %), e^(−x²/2) with `KernelMath.exp`. Every step is branch-free, so the
/// loops vectorise.
///
/// The loops that run are the C versions in `CKernels` (`ActivationKernel.gelu`: the same operations,
/// compiled for AVX-512, AVX2+FMA and baseline x86-64 and chosen by CPU features when loaded: 3x faster
/// than Swift's SSE2 build on AVX-512); the Swift `reference…` loops here are what a test compares them
/// with, bit for bit.
enum GELUKernels {
    /// erf(v): x·P(x²)/Q(x²) on x = v clamped to [−4, 4] (erf(4) is 1 in Float), the odd/even rational
    /// minimax approximation used by Eigen's and XLA's float `erf`. Error ≤ 5e-7 absolute (largest near
    /// |v| = 3.3, where erf is within 1e-5 of ±1).
    @inline(__always)
    static func erf(_ v: Float) -> Float {
        let x = Swift.min(Swift.max(v, -4), 4)
        let x2 = x * x
        var p: Float = -2.726_142_258_013_06e-10
        p = p * x2 + 2.770_681_424_959_02e-08
        p = p * x2 - 2.101_024_020_825_08e-06
        p = p * x2 - 5.692_506_394_623_46e-05
        p = p * x2 - 7.349_906_303_268_55e-04
        p = p * x2 - 2.954_599_808_540_25e-03
        p = p * x2 - 1.609_603_332_624_15e-02
        var q: Float = -1.456_607_184_649_96e-05
        q = q * x2 - 2.133_740_552_789_05e-04
        q = q * x2 - 1.682_826_974_382_03e-03
        q = q * x2 - 7.373_329_167_204_68e-03
        q = q * x2 - 1.426_473_905_141_89e-02
        return x * p / q
    }

    /// The forward loop in Swift (the definition the C kernel must equal).
    static func referenceForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int) {
        for i in 0..<n {
            let v = x[i]
            y[i] = 0.5 * v * (1 + erf(v * 0.707_106_77))
        }
    }

    /// The backward loop in Swift (the definition the C kernel must equal).
    static func referenceBackward(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ gx: UnsafeMutablePointer<Float>,
                                  count n: Int) {
        for i in 0..<n {
            let v = x[i]
            let cdf = 0.5 * (1 + erf(v * 0.707_106_77))
            let pdf = 0.398_942_28 * KernelMath.exp(-0.5 * v * v)
            gx[i] = g[i] * (cdf + v * pdf)
        }
    }
}
